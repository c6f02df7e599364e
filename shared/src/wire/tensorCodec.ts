import type { WeightList, WeightSpec } from '../tensor/weights.ts';
import { WireError } from './errors.ts';
import type { Encoding, Tensor, TensorBundle } from './messages.ts';

/**
 * Float32 tensors <-> the byte encodings of geofed.proto (`Encoding`): f32, f16 and symmetric int8, always
 * little-endian whatever the host, plus bundle encoding and the validation a receiver needs before it trusts a bundle.
 */

export interface NamedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

const BYTES_PER_VALUE: Readonly<Record<Encoding, number>> = { f32: 4, f16: 2, int8: 1 };
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function bytesPerValue(encoding: Encoding): number {
  return BYTES_PER_VALUE[encoding];
}

/** Reverses the byte order of each `width`-byte word in place (only needed on big-endian hosts). */
function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}

/** A copy of a typed array's bytes in little-endian order. */
function littleEndianBytes(view: Float32Array | Uint16Array): Uint8Array {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
  if (!LITTLE_ENDIAN_HOST) swapBytes(bytes, view.BYTES_PER_ELEMENT);
  return bytes;
}

/** Little-endian bytes -> an aligned, host-order copy, so the result never aliases a socket buffer. */
function hostOrderCopy(bytes: Uint8Array, width: number): ArrayBuffer {
  const copy = new Uint8Array(bytes); // copies (Buffer#slice would not)
  if (!LITTLE_ENDIAN_HOST) swapBytes(copy, width);
  return copy.buffer;
}

// ---------------------------------------------------------------------------------------------------------------
// f32

export function encodeF32(values: Float32Array): Uint8Array {
  return littleEndianBytes(values);
}

export function decodeF32(bytes: Uint8Array): Float32Array {
  return new Float32Array(hostOrderCopy(bytes, 4), 0, bytes.length >> 2);
}

// ---------------------------------------------------------------------------------------------------------------
// f16 (IEEE 754 binary16)

const F16_MAX_FINITE = 0x7bff;

/** One float32 (as its bit pattern) -> binary16 bits, rounded to nearest, ties to even; overflow clamps. */
function halfBits(f: number): number {
  const sign = (f >>> 16) & 0x8000;
  const exponent = (f >>> 23) & 0xff;
  const mantissa = f & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200 | (mantissa >>> 13)); // inf, quiet NaN
  const e = exponent - 127 + 15; // binary16 biased exponent
  if (e >= 0x1f) return sign | F16_MAX_FINITE;
  if (e <= 0) {
    // Subnormal in binary16 (or zero): value = m * 2^-24 with m = significand >> (14 - e).
    if (e < -10) return sign; // below half the smallest subnormal: rounds to zero
    const significand = mantissa | 0x800000;
    const shift = 14 - e;
    const m = significand >>> shift;
    const rest = significand & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    return sign | (rest > halfway || (rest === halfway && (m & 1) === 1) ? m + 1 : m); // m + 1 may reach the smallest normal
  }
  let h = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++; // a carry into the exponent is still correct
  return sign | Math.min(h, F16_MAX_FINITE);
}

let halfTable: Float32Array | undefined;

/** All 65536 binary16 values as float32 (256 KiB, built on first use). */
function halfToFloatTable(): Float32Array {
  if (halfTable === undefined) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) {
      const sign = h & 0x8000 ? -1 : 1;
      const exponent = (h >>> 10) & 0x1f;
      const mantissa = h & 0x3ff;
      halfTable[h] =
        exponent === 0
          ? sign * mantissa * 2 ** -24
          : exponent === 0x1f
            ? mantissa === 0
              ? sign * Infinity
              : NaN
            : sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
    }
  }
  return halfTable;
}

export function encodeF16(values: Float32Array): Uint8Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const half = new Uint16Array(values.length);
  for (let i = 0; i < bits.length; i++) half[i] = halfBits(bits[i]!);
  return littleEndianBytes(half);
}

export function decodeF16(bytes: Uint8Array): Float32Array {
  const half = new Uint16Array(hostOrderCopy(bytes, 2), 0, bytes.length >> 1);
  const table = halfToFloatTable();
  const out = new Float32Array(half.length);
  for (let i = 0; i < half.length; i++) out[i] = table[half[i]!]!;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// int8 (symmetric, per tensor)

export interface Int8Encoded {
  readonly data: Uint8Array;
  /** max|x| / 127 as a float32 (what the wire carries); 0 for an all-zero tensor. */
  readonly scale: number;
}

export function encodeInt8(values: Float32Array): Int8Encoded {
  let maxAbs = 0;
  for (let i = 0; i < values.length; i++) maxAbs = Math.max(maxAbs, Math.abs(values[i]!));
  const scale = Math.fround(maxAbs / 127);
  const q = new Int8Array(values.length);
  if (scale > 0) {
    for (let i = 0; i < values.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round(values[i]! / scale)));
  }
  return { data: new Uint8Array(q.buffer), scale };
}

export function decodeInt8(bytes: Uint8Array, scale: number, zeroPoint = 0): Float32Array {
  const q = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = (q[i]! - zeroPoint) * scale;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Tensors and bundles

/** Product of the dimensions (1 for a scalar); a WireError if it is not a safe integer. */
function elementCount(shape: readonly number[], path: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new WireError('BAD_SHAPE', `${path}: dimension ${d} is not a count`);
    n *= d;
  }
  if (!Number.isSafeInteger(n)) throw new WireError('TOO_LARGE', `${path}: shape [${shape.join(', ')}] is too large`);
  return n;
}

/** Why a tensor's bytes cannot be what its header claims, or nothing. Decoding bytes that pass is safe. */
export function checkTensorLayout(t: Tensor, path = `tensor ${t.name}`): void {
  const count = elementCount(t.shape, path);
  const width = BYTES_PER_VALUE[t.encoding];
  if (width === undefined) throw new WireError('BAD_ENCODING', `${path}: unknown encoding ${String(t.encoding)}`);
  if (t.dtype !== 'float32') throw new WireError('BAD_ENCODING', `${path}: dtype ${String(t.dtype)} is not float32`);
  if (t.data.length !== count * width) {
    throw new WireError(
      'BAD_SHAPE',
      `${path}: shape [${t.shape.join(', ')}] in ${t.encoding} needs ${count * width} bytes, data has ${t.data.length}`,
    );
  }
  if (t.encoding !== 'int8') return;
  if (!(t.scale >= 0) || !Number.isFinite(t.scale)) throw new WireError('BAD_VALUE', `${path}: int8 scale ${t.scale} is not finite and >= 0`);
  const zp = t.zeroPoint ?? 0;
  if (!Number.isInteger(zp) || zp < -128 || zp > 127) throw new WireError('BAD_VALUE', `${path}: int8 zero point ${zp} is outside [-128, 127]`);
}

/** Refuses the first value that is NaN or infinite, naming where it sits. */
export function assertFiniteValues(values: ArrayLike<number>, path: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new WireError('NON_FINITE', `${path}: value ${i} is ${values[i]}`);
  }
}

export function encodeTensor(tensor: NamedTensor, encoding: Encoding): Tensor {
  const path = `tensor ${tensor.name}`;
  const count = elementCount(tensor.shape, path);
  if (tensor.values.length !== count) {
    throw new WireError('BAD_SHAPE', `${path}: shape [${tensor.shape.join(', ')}] has ${count} values, got ${tensor.values.length}`);
  }
  assertFiniteValues(tensor.values, path);
  const base = { name: tensor.name, shape: [...tensor.shape], dtype: 'float32' as const, encoding };
  switch (encoding) {
    case 'f32':
      return { ...base, data: encodeF32(tensor.values), scale: 0 };
    case 'f16':
      return { ...base, data: encodeF16(tensor.values), scale: 0 };
    case 'int8':
      return { ...base, ...encodeInt8(tensor.values) };
  }
}

/** Checked decode of one tensor: layout (see checkTensorLayout) and finite values. */
export function decodeTensor(t: Tensor, path = `tensor ${t.name}`): Float32Array {
  checkTensorLayout(t, path);
  const values =
    t.encoding === 'f32' ? decodeF32(t.data) : t.encoding === 'f16' ? decodeF16(t.data) : decodeInt8(t.data, t.scale, t.zeroPoint);
  assertFiniteValues(values, path);
  return values;
}

export function encodeBundle(tensors: readonly NamedTensor[], encoding: Encoding): TensorBundle {
  return { tensors: tensors.map((t) => encodeTensor(t, encoding)) };
}

/**
 * Checked decode of a bundle. With `expected`, the bundle must hold exactly those tensors, in that order, with those
 * shapes (SPEC_MISMATCH for names or count, BAD_SHAPE for shapes).
 */
export function decodeBundle(bundle: TensorBundle, expected?: readonly WeightSpec[]): NamedTensor[] {
  const { tensors } = bundle;
  if (expected !== undefined) {
    if (tensors.length !== expected.length) {
      throw new WireError('SPEC_MISMATCH', `bundle has ${tensors.length} tensors, the model expects ${expected.length}`);
    }
    expected.forEach((spec, i) => {
      const t = tensors[i]!;
      if (t.name !== spec.name) throw new WireError('SPEC_MISMATCH', `tensor ${i} is ${t.name}, the model expects ${spec.name}`);
      if (t.shape.length !== spec.shape.length || t.shape.some((d, j) => d !== spec.shape[j])) {
        throw new WireError('BAD_SHAPE', `tensor ${t.name} has shape [${t.shape.join(', ')}], the model expects [${spec.shape.join(', ')}]`);
      }
    });
  }
  assertUniqueNames(bundle, 'bundle');
  return tensors.map((t) => ({ name: t.name, shape: t.shape, values: decodeTensor(t) }));
}

export function assertUniqueNames(bundle: TensorBundle, path: string): void {
  const seen = new Set<string>();
  for (const t of bundle.tensors) {
    if (seen.has(t.name)) throw new WireError('BAD_VALUE', `${path}: tensor name ${t.name} appears twice`);
    seen.add(t.name);
  }
}

/** A model's weights (in `spec` order) as a bundle. */
export function bundleFromWeights(weights: WeightList, spec: readonly WeightSpec[], encoding: Encoding): TensorBundle {
  if (weights.length !== spec.length) {
    throw new WireError('SPEC_MISMATCH', `${weights.length} weight tensors for a spec of ${spec.length}`);
  }
  return encodeBundle(
    spec.map((s, i) => ({ name: s.name, shape: s.shape, values: weights[i]! })),
    encoding,
  );
}

/** A bundle as a model's weights, checked against the model's `spec`. */
export function weightsFromBundle(bundle: TensorBundle, spec: readonly WeightSpec[]): WeightList {
  return decodeBundle(bundle, spec).map((t) => t.values);
}
