import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { validate } from '../config/load.ts';
import { GeoFedError } from '../errors.ts';
import { encodeSafetensors, type NamedArray } from '../tensor/safetensors.ts';
import { sizeOf } from '../tensor/weights.ts';

/** `{"tensors":[{"name","shape","file"}]}`: raw little-endian float32 files, as `tensor.numpy().tofile(...)` writes. */
const manifestSchema = z
  .object({
    tensors: z
      .array(
        z.object({ name: z.string().min(1), shape: z.array(z.number().int().nonnegative()), file: z.string().min(1) }).passthrough(),
      )
      .min(1),
  })
  .passthrough();

function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/**
 * Converts a manifest of raw float32 files into GeoFed's weights file (safetensors). With `transposeDense`, 2-D
 * tensors stored [out, in] (PyTorch, Flower's PyTorch clients) become [in, out] as TF.js dense kernels are.
 */
export function importRawWeights(manifestFile: string, options: { transposeDense: boolean }): Uint8Array {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestFile, 'utf8'));
  } catch (e) {
    throw new GeoFedError(`cannot read manifest ${manifestFile}: ${(e as Error).message}`);
  }
  const manifest = validate(manifestSchema, raw, `weights manifest ${manifestFile}`);
  const base = dirname(resolve(manifestFile));
  const tensors: NamedArray[] = manifest.tensors.map((t) => {
    const path = resolve(base, t.file);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      throw new GeoFedError(`tensor ${t.name}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const expected = sizeOf(t.shape);
    if (bytes.length !== expected * 4) {
      throw new GeoFedError(
        `tensor ${t.name}: ${path} holds ${bytes.length} bytes, shape [${t.shape.join(', ')}] needs ${expected * 4} (float32)`,
      );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const data = Float32Array.from({ length: expected }, (_, i) => view.getFloat32(i * 4, true));
    if (options.transposeDense && t.shape.length === 2) {
      const [rows, cols] = t.shape as [number, number];
      return { name: t.name, shape: [cols, rows], data: transpose2d(data, rows, cols) };
    }
    return { name: t.name, shape: [...t.shape], data };
  });
  return encodeSafetensors(tensors, { format: 'geofed-weights', importedFrom: manifestFile });
}
