import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GeoFedError } from '../../src/errors.ts';
import { encodeNpy, parseNpy } from '../../src/data/npy.ts';

test('npy: float32, float64, int32, int64 and uint8 arrays round-trip', () => {
  const cases = [
    { data: Float32Array.from([1.5, -2, 3, 4, 5, 6]), shape: [2, 3], dtype: 'float32' },
    { data: Float64Array.from([0.1, 0.2]), shape: [1, 2], dtype: 'float64' },
    { data: Int32Array.from([3, 1, 2]), shape: [3], dtype: 'int32' },
    { data: BigInt64Array.from([7n, 9n]), shape: [2], dtype: 'int64' },
    { data: Uint8Array.from([0, 255]), shape: [2], dtype: 'uint8' },
  ] as const;
  for (const { data, shape, dtype } of cases) {
    const parsed = parseNpy(encodeNpy(data, shape), 'x.npy');
    assert.equal(parsed.dtype, dtype);
    assert.deepEqual(parsed.shape, shape);
    assert.deepEqual(parsed.data, data);
  }
});

test('npy: the header is padded so the data starts on a 64-byte boundary', () => {
  const bytes = encodeNpy(Float32Array.from([1, 2, 3]), [3]);
  assert.equal((bytes.length - 12) % 64, 0);
  assert.equal(bytes[bytes.length - 13], 0x0a);
});

test('npy: a version 2 header (uint32 length) is read', () => {
  const v1 = encodeNpy(Int32Array.from([4, 5]), [2]);
  const headerLength = new DataView(v1.buffer).getUint16(8, true);
  const v2 = new Uint8Array(v1.length + 2);
  v2.set(v1.subarray(0, 8));
  v2[6] = 2;
  new DataView(v2.buffer).setUint32(8, headerLength, true);
  v2.set(v1.subarray(10), 12);
  assert.deepEqual(parseNpy(v2, 'v2.npy').data, Int32Array.from([4, 5]));
});

function rejects(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(() => parseNpy(bytes, 'bad.npy'), (e: unknown) => e instanceof GeoFedError && pattern.test(e.message) && e.message.includes('bad.npy'));
}

function withHeader(dict: string, payload = new Uint8Array(8)): Uint8Array {
  const template = encodeNpy(new Float32Array(2), [2]);
  const header = new TextEncoder().encode(dict.padEnd(template.length - 10 - 1 - 8) + '\n');
  const out = new Uint8Array(10 + header.length + payload.length);
  out.set(template.subarray(0, 8));
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(header, 10);
  out.set(payload, 10 + header.length);
  return out;
}

test('npy: missing magic, big-endian data, Fortran order and a short payload are clear errors', () => {
  rejects(new TextEncoder().encode('not numpy at all'), /missing the \\x93NUMPY magic/);
  rejects(withHeader("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }"), /dtype >f4 is not supported/);
  rejects(withHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }"), /Fortran/);
  rejects(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"), /needs 12 data bytes, found 8/);
});
