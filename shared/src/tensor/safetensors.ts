/**
 * The safetensors layout: an 8-byte little-endian header length N, N bytes of JSON mapping each tensor name to
 * { dtype, shape, data_offsets: [begin, end] } (offsets relative to the data section) plus an optional
 * "__metadata__" map of strings, then the raw little-endian data. PyTorch, JAX and others write it directly.
 * GeoFed reads and writes F32 tensors (F64 and F16 are read and converted).
 */
export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: NamedArray[];
  metadata: Record<string, string>;
}

const MAX_HEADER = 100 * 1024 * 1024;

export function encodeSafetensors(tensors: readonly NamedArray[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.length * 4] };
    offset += t.data.length * 4;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data section starts 8-byte aligned, as the format recommends.
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors) {
    for (let i = 0; i < t.data.length; i++, at += 4) view.setFloat32(at, t.data[i]!, true);
  }
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? Number.NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

const READERS: Record<string, { size: number; read(view: DataView, at: number): number }> = {
  F32: { size: 4, read: (v, at) => v.getFloat32(at, true) },
  F64: { size: 8, read: (v, at) => v.getFloat64(at, true) },
  F16: { size: 2, read: (v, at) => halfToFloat(v.getUint16(at, true)) },
};

/** Parses a safetensors file; throws a message naming what is wrong (the caller adds the file name). */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) throw new Error('too short to be a safetensors file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER || 8 + headerLength > bytes.length) {
    throw new Error(`header length ${headerLength} does not fit in a ${bytes.length}-byte file (not a safetensors file?)`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  } catch {
    throw new Error('header is not valid JSON (not a safetensors file?)');
  }
  const dataStart = 8 + headerLength;
  const tensors: Array<NamedArray & { begin: number }> = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const reader = READERS[dtype];
    if (!reader) throw new Error(`tensor ${name} has dtype ${dtype}; GeoFed reads F32, F64 and F16`);
    const count = shape.reduce((a, b) => a * b, 1);
    const [begin, end] = offsets;
    if (end - begin !== count * reader.size || dataStart + end > bytes.length) {
      throw new Error(`tensor ${name}: data_offsets [${begin}, ${end}] do not match shape [${shape.join(', ')}] ${dtype} or the file size`);
    }
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = reader.read(view, dataStart + begin + i * reader.size);
    tensors.push({ name, shape, data, begin });
  }
  // Keep the order of the data section, which is the order the writer gave.
  tensors.sort((a, b) => a.begin - b.begin);
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  return { tensors: tensors.map(({ name, shape, data }) => ({ name, shape, data })), metadata };
}
