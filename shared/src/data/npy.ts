import { readFile } from 'node:fs/promises';
import { GeoFedError } from '../errors.ts';

/**
 * NumPy's .npy format: "\x93NUMPY", major and minor version bytes, a little-endian header length (uint16 for
 * v1, uint32 for v2/v3), an ASCII Python dict literal {'descr', 'fortran_order', 'shape'}, then the raw values.
 */
export type NpyData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
export type NpyDtype = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8';

export interface NpyArray {
  readonly dtype: NpyDtype;
  readonly shape: readonly number[];
  readonly data: NpyData;
}

const DESCRS: Record<string, NpyDtype> = {
  '<f4': 'float32',
  '<f8': 'float64',
  '<i4': 'int32',
  '<i8': 'int64',
  '|u1': 'uint8',
  '<u1': 'uint8',
};

const CTORS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
} as const;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function bad(file: string, what: string): GeoFedError {
  return new GeoFedError(`${file} is not a readable .npy file: ${what}`, {
    remedy: 'save it with numpy.save() as little-endian float32/float64 features or int32/int64/uint8 labels',
    code: 'DATA_CORRUPT',
  });
}

/** Parses .npy bytes; `file` only names the source in error messages. */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) throw bad(file, 'missing the \\x93NUMPY magic');
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw bad(file, `unsupported format version ${major}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = 8 + lengthBytes + headerLength;
  if (bytes.length < dataOffset) throw bad(file, 'header cut short');
  const header = new TextDecoder('latin1').decode(bytes.subarray(8 + lengthBytes, dataOffset));

  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw bad(file, `odd header ${header.trim()}`);
  const dtype = DESCRS[descr];
  if (!dtype) throw bad(file, `dtype ${descr} is not supported`);
  if (fortran === 'True') throw bad(file, 'Fortran (column-major) order is not supported');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((s) => !Number.isInteger(s) || s < 0)) throw bad(file, `bad shape (${shapeText})`);

  const Ctor = CTORS[dtype];
  const count = shape.reduce((a, b) => a * b, 1);
  const byteCount = count * Ctor.BYTES_PER_ELEMENT;
  if (bytes.length !== dataOffset + byteCount) {
    throw bad(file, `shape (${shape.join(', ')}) of ${dtype} needs ${byteCount} data bytes, found ${bytes.length - dataOffset}`);
  }
  // Copy into a fresh buffer so the values are aligned for their type (a Node Buffer's slice would not copy).
  const aligned = new Uint8Array(bytes.subarray(dataOffset, dataOffset + byteCount));
  return { dtype, shape, data: new Ctor(aligned.buffer, 0, count) };
}

export async function readNpy(file: string): Promise<NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new GeoFedError(`cannot read ${file}: ${(e as Error).message}`, { code: 'DATA_MISSING', cause: e });
  }
  return parseNpy(bytes, file);
}

const DESCR_OF: Record<NpyDtype, string> = {
  float32: '<f4',
  float64: '<f8',
  int32: '<i4',
  int64: '<i8',
  uint8: '|u1',
};

function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  return 'uint8';
}

/** Encodes a C-order array as .npy version 1 (what numpy.save writes for small headers). */
export function encodeNpy(data: NpyData, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`shape (${shape.join(', ')}) does not match ${data.length} values`);
  const shapeText = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  const dict = `{'descr': '${DESCR_OF[dtypeOf(data)]}', 'fortran_order': False, 'shape': (${shapeText}), }`;
  // Header padded with spaces and ended by \n so that the data starts on a 64-byte boundary.
  const unpadded = 10 + dict.length + 1;
  const header = dict + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
