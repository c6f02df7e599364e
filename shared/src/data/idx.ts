import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { GeoFedError } from '../errors.ts';

/**
 * The IDX format of MNIST-style data sets: two zero bytes, a dtype byte, a dimension count byte, one big-endian
 * uint32 size per dimension, then the values in big-endian row-major order.
 */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  readonly dtype: IdxDtype;
  readonly shape: readonly number[];
  readonly data: IdxData;
}

const DTYPES = {
  0x08: { name: 'uint8', bytes: 1 },
  0x09: { name: 'int8', bytes: 1 },
  0x0b: { name: 'int16', bytes: 2 },
  0x0c: { name: 'int32', bytes: 4 },
  0x0d: { name: 'float32', bytes: 4 },
  0x0e: { name: 'float64', bytes: 8 },
} as const;

type IdxCode = keyof typeof DTYPES;
export type IdxDtype = (typeof DTYPES)[IdxCode]['name'];

function corrupt(file: string, what: string): GeoFedError {
  return new GeoFedError(`${file} is not a valid IDX file: ${what}`, {
    remedy: 'the file is corrupt or truncated; delete it and fetch it again',
    code: 'DATA_CORRUPT',
  });
}

/** Big-endian values into a fresh native typed array (single bytes are viewed in place, no copy). */
function decodeValues(bytes: Uint8Array, offset: number, count: number, code: IdxCode): IdxData {
  if (code === 0x08) return bytes.subarray(offset, offset + count);
  if (code === 0x09) return new Int8Array(bytes.buffer, bytes.byteOffset + offset, count);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * DTYPES[code].bytes);
  switch (code) {
    case 0x0b: {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2);
      return out;
    }
    case 0x0c: {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4);
      return out;
    }
    case 0x0d: {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4);
      return out;
    }
    case 0x0e: {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8);
      return out;
    }
  }
}

/** Parses uncompressed IDX bytes; `file` only names the source in error messages. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) throw corrupt(file, `only ${bytes.length} bytes`);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw corrupt(file, 'bad magic number');
  const code = bytes[2]!;
  if (!(code in DTYPES)) throw corrupt(file, `unknown dtype byte 0x${code.toString(16)}`);
  const dtype = DTYPES[code as IdxCode];
  const ndims = bytes[3]!;
  if (ndims === 0) throw corrupt(file, 'zero dimensions');
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) throw corrupt(file, 'header cut short');
  const header = new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
  const shape: number[] = [];
  for (let i = 0; i < ndims; i++) shape.push(header.getUint32(4 + 4 * i));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * dtype.bytes;
  if (bytes.length !== expected) {
    throw corrupt(file, `shape [${shape.join(', ')}] needs ${expected} bytes but the file has ${bytes.length}`);
  }
  return { dtype: dtype.name, shape, data: decodeValues(bytes, headerBytes, count, code as IdxCode) };
}

/** Reads and parses a gzipped IDX file (`*-ubyte.gz`). */
export async function readIdxGz(file: string): Promise<IdxArray> {
  let raw: Uint8Array;
  try {
    raw = gunzipSync(await readFile(file));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new GeoFedError(`${file} does not exist`, { code: 'DATA_MISSING', cause: e });
    }
    throw new GeoFedError(`${file} could not be decompressed (${(e as Error).message})`, {
      remedy: 'the file is corrupt or truncated; delete it and fetch it again',
      code: 'DATA_CORRUPT',
      cause: e,
    });
  }
  return parseIdx(raw, file);
}
