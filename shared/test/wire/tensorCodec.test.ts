import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/math/rng.ts';
import { isWireError, type WireErrorCode } from '../../src/wire/errors.ts';
import type { Tensor } from '../../src/wire/messages.ts';
import {
  bundleFromWeights,
  decodeBundle,
  decodeF16,
  decodeF32,
  decodeInt8,
  decodeTensor,
  encodeBundle,
  encodeF16,
  encodeF32,
  encodeInt8,
  encodeTensor,
  weightsFromBundle,
} from '../../src/wire/tensorCodec.ts';
import { randomValues, smallModel } from './fixtures.ts';

function rejects(fn: () => unknown, code: WireErrorCode): void {
  assert.throws(fn, (e: unknown) => isWireError(e, code));
}

/** binary16 bits of one value, read back from the little-endian encoding. */
function halfOf(x: number): number {
  const bytes = encodeF16(new Float32Array([x]));
  return bytes[0]! | (bytes[1]! << 8);
}

function halfValue(h: number): number {
  return decodeF16(new Uint8Array([h & 0xff, h >>> 8]))[0]!;
}

test('f32 is little-endian whatever the host', () => {
  assert.deepEqual([...encodeF32(new Float32Array([1, -2]))], [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]);
});

test('f32 round-trips exactly and the decoded array does not alias the bytes', () => {
  const values = randomValues(new Rng(1), 1000);
  const bytes = encodeF32(values);
  const decoded = decodeF32(bytes);
  assert.deepEqual(decoded, values);
  bytes.fill(0);
  assert.deepEqual(decoded, values);
});

test('f32 decodes from an unaligned view', () => {
  const values = new Float32Array([1.5, -3.25]);
  const padded = new Uint8Array(9);
  padded.set(encodeF32(values), 1);
  assert.deepEqual(decodeF32(padded.subarray(1)), values);
});

test('f16 encodes known values to their IEEE binary16 bits, little-endian', () => {
  assert.deepEqual([...encodeF16(new Float32Array([1]))], [0x00, 0x3c]);
  const cases: [number, number][] = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [1023 * 2 ** -24, 0x03ff], // largest subnormal
    [1 / 3, 0x3555],
  ];
  for (const [x, h] of cases) assert.equal(halfOf(x), h, `f16(${x})`);
});

test('f16 rounds ties to even, in the normal and the subnormal range', () => {
  assert.equal(halfOf(1 + 2 ** -11), 0x3c00); // halfway between 1 and 1+2^-10: keep the even 1
  assert.equal(halfOf(1 + 3 * 2 ** -11), 0x3c02); // halfway between mantissas 1 and 2: take the even 2
  assert.equal(halfOf(2 ** -25), 0x0000); // halfway between 0 and the smallest subnormal
  assert.equal(halfOf(3 * 2 ** -25), 0x0002); // halfway between subnormals 1 and 2
  assert.equal(halfOf(1023.5 * 2 ** -24), 0x0400); // rounds up out of the subnormals into the smallest normal
  assert.equal(halfOf(2 ** -25 + 2 ** -40), 0x0001); // just above halfway rounds up
});

test('f16 keeps infinities and NaN, and clamps finite overflow to +-65504', () => {
  assert.equal(halfOf(Infinity), 0x7c00);
  assert.equal(halfOf(-Infinity), 0xfc00);
  assert.ok(Number.isNaN(halfValue(halfOf(NaN))));
  assert.equal(halfOf(65519), 0x7bff); // rounds down to the max anyway
  assert.equal(halfOf(65520), 0x7bff); // IEEE would round to infinity
  assert.equal(halfOf(-1e30), 0xfbff);
  assert.equal(halfValue(0x7bff), 65504);
});

test('f16 decodes then re-encodes every non-NaN bit pattern to itself', () => {
  const all = new Uint8Array(65536 * 2);
  for (let h = 0; h < 65536; h++) {
    all[2 * h] = h & 0xff;
    all[2 * h + 1] = h >>> 8;
  }
  const values = decodeF16(all);
  const again = encodeF16(values);
  for (let h = 0; h < 65536; h++) {
    if (Number.isNaN(values[h])) continue;
    assert.equal(again[2 * h]! | (again[2 * h + 1]! << 8), h, `pattern 0x${h.toString(16)}`);
  }
});

test('f16 picks the nearest binary16 value (ties to even) for random float32 inputs', () => {
  const rng = new Rng(2);
  const bits = new Uint32Array(20_000);
  // Exponents from 2^-30 to 2^15: the subnormal, normal and rounding-to-zero ranges.
  for (let i = 0; i < bits.length; i++) bits[i] = ((rng.nextUint32() & 0x80000000) | ((97 + rng.int(46)) << 23) | (rng.nextUint32() & 0x7fffff)) >>> 0;
  const xs = new Float32Array(bits.buffer);
  const encoded = encodeF16(xs);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const h = encoded[2 * i]! | (encoded[2 * i + 1]! << 8);
    const err = Math.abs(halfValue(h) - x);
    for (const neighbour of [h - 1, h + 1]) {
      if ((neighbour & 0x7fff) > 0x7bff || neighbour < 0 || (neighbour ^ h) & 0x8000) continue;
      const other = Math.abs(halfValue(neighbour) - x);
      assert.ok(err < other || (err === other && (h & 1) === 0), `x=${x}: chose 0x${h.toString(16)}, 0x${neighbour.toString(16)} is nearer`);
    }
  }
});

test('f16 relative error is at most 2^-11 for normal values', () => {
  const rng = new Rng(3);
  const xs = Float32Array.from({ length: 50_000 }, () => (rng.next() < 0.5 ? -1 : 1) * 2 ** (-14 + rng.next() * 29.99));
  const back = decodeF16(encodeF16(xs));
  let worst = 0;
  for (let i = 0; i < xs.length; i++) worst = Math.max(worst, Math.abs(back[i]! - xs[i]!) / Math.abs(xs[i]!));
  assert.ok(worst <= 2 ** -11, `worst relative error ${worst}`);
});

test('int8 absolute error is at most scale / 2', () => {
  const xs = randomValues(new Rng(4), 50_000, 0.3);
  const { data, scale } = encodeInt8(xs);
  const back = decodeInt8(data, scale);
  const maxAbs = xs.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.ok(Math.abs(scale - maxAbs / 127) <= 1e-7 * scale, 'scale = max|x| / 127');
  for (let i = 0; i < xs.length; i++) {
    // Float32 results add at most one rounding of the output itself.
    assert.ok(Math.abs(back[i]! - xs[i]!) <= scale / 2 + 2 ** -24 * maxAbs, `value ${i}: ${xs[i]} -> ${back[i]}`);
  }
});

test('int8 maps the extremes to +-127', () => {
  const { data } = encodeInt8(new Float32Array([-2, 0.5, 2]));
  assert.deepEqual([...new Int8Array(data.buffer)], [-127, 32, 127]);
});

test('int8 encodes an all-zero tensor with scale 0 and decodes zeros', () => {
  const { data, scale } = encodeInt8(new Float32Array(5));
  assert.equal(scale, 0);
  assert.deepEqual(decodeInt8(data, scale), new Float32Array(5));
});

test('int8 decoding honours a zero point', () => {
  const q = new Uint8Array(new Int8Array([-128, 0, 127]).buffer);
  assert.deepEqual(decodeInt8(q, 0.5, -128), new Float32Array([0, 64, 127.5]));
});

for (const encoding of ['f32', 'f16', 'int8'] as const) {
  test(`a bundle round-trips names, shapes and values in ${encoding}`, () => {
    const model = smallModel(new Rng(5));
    const decoded = decodeBundle(encodeBundle(model, encoding), model);
    assert.deepEqual(decoded.map((t) => [t.name, t.shape]), model.map((t) => [t.name, [...t.shape]]));
    const tolerance = encoding === 'f32' ? 0 : encoding === 'f16' ? 2 ** -11 : 1 / 127;
    decoded.forEach((t, i) => {
      const reference = model[i]!.values;
      const maxAbs = reference.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      t.values.forEach((v, j) => assert.ok(Math.abs(v - reference[j]!) <= tolerance * maxAbs, `${t.name}[${j}]`));
    });
  });
}

test('weights and bundles convert both ways in spec order', () => {
  const model = smallModel(new Rng(6));
  const weights = model.map((t) => t.values);
  assert.deepEqual(weightsFromBundle(bundleFromWeights(weights, model, 'f32'), model), weights);
});

test('a bundle whose tensor names differ from the model is SPEC_MISMATCH', () => {
  const model = smallModel(new Rng(7));
  const renamed = model.map((t, i) => (i === 1 ? { ...t, name: 'other' } : t));
  rejects(() => decodeBundle(encodeBundle(renamed, 'f32'), model), 'SPEC_MISMATCH');
});

test('a bundle with a tensor missing is SPEC_MISMATCH', () => {
  const model = smallModel(new Rng(8));
  rejects(() => decodeBundle(encodeBundle(model.slice(1), 'f32'), model), 'SPEC_MISMATCH');
});

test('a tensor whose shape differs from the model is BAD_SHAPE', () => {
  const model = smallModel(new Rng(9));
  const reshaped = model.map((t, i) => (i === 0 ? { ...t, shape: [3, 4] } : t));
  rejects(() => decodeBundle(encodeBundle(reshaped, 'f32'), model), 'BAD_SHAPE');
});

test('a tensor whose data is shorter than its shape is BAD_SHAPE', () => {
  const t = encodeTensor({ name: 'w', shape: [4], values: new Float32Array(4) }, 'f16');
  rejects(() => decodeTensor({ ...t, data: t.data.subarray(2) }), 'BAD_SHAPE');
});

test('values that do not fill the shape are refused at encoding: BAD_SHAPE', () => {
  rejects(() => encodeTensor({ name: 'w', shape: [2, 3], values: new Float32Array(5) }, 'f32'), 'BAD_SHAPE');
});

test('a NaN in f32 data is NON_FINITE', () => {
  const t: Tensor = { name: 'w', shape: [2], dtype: 'float32', encoding: 'f32', data: encodeF32(new Float32Array([1, NaN])), scale: 0 };
  rejects(() => decodeTensor(t), 'NON_FINITE');
});

test('an f16 infinity is NON_FINITE', () => {
  const t: Tensor = { name: 'w', shape: [1], dtype: 'float32', encoding: 'f16', data: new Uint8Array([0x00, 0x7c]), scale: 0 };
  rejects(() => decodeTensor(t), 'NON_FINITE');
});

test('encoding a NaN weight is NON_FINITE', () => {
  rejects(() => encodeTensor({ name: 'w', shape: [2], values: new Float32Array([NaN, 1]) }, 'int8'), 'NON_FINITE');
});

test('a negative int8 scale is BAD_VALUE', () => {
  const t = encodeTensor({ name: 'w', shape: [2], values: new Float32Array([1, -1]) }, 'int8');
  rejects(() => decodeTensor({ ...t, scale: -1 }), 'BAD_VALUE');
});

test('two tensors with one name are BAD_VALUE', () => {
  const model = smallModel(new Rng(10));
  rejects(() => decodeBundle(encodeBundle([model[1]!, model[1]!], 'f32')), 'BAD_VALUE');
});
