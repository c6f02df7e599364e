import { readFileSync } from 'node:fs';
import { GeoFedError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomicWrite.ts';
import { decodeSafetensors, encodeSafetensors, type NamedArray } from '../tensor/safetensors.ts';
import type { WeightList, WeightSpec } from '../tensor/weights.ts';

/**
 * GeoFed's weights file is a safetensors file (documented in docs/weights-format.md) holding float32 tensors named
 * as in the model (`backbone/dense0/kernel` ...), with dense kernels stored [in, out] as TF.js uses them.
 */
export function saveWeightsFile(file: string, specs: readonly WeightSpec[], weights: WeightList, metadata: Record<string, string> = {}): void {
  const tensors: NamedArray[] = specs.map((s, i) => ({ name: s.name, shape: [...s.shape], data: weights[i]! }));
  writeFileAtomic(file, encodeSafetensors(tensors, { format: 'geofed-weights', ...metadata }));
}

export function readWeightsFile(file: string): NamedArray[] {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new GeoFedError(`cannot read weights file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return decodeSafetensors(bytes).tensors;
  } catch (e) {
    throw new GeoFedError(`weights file ${file}: ${(e as Error).message}`, {
      remedy: 'write it with `geofed weights import` or any safetensors writer (float32)',
    });
  }
}

/**
 * Orders a file's tensors as the model expects them: by name when the names are the model's, otherwise by position
 * (files converted from other frameworks keep their own names). Every shape must match.
 */
export function matchWeights(file: string, tensors: readonly NamedArray[], specs: readonly WeightSpec[]): WeightList {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const namesMatch = specs.every((s) => byName.has(s.name));
  if (!namesMatch && tensors.length !== specs.length) {
    const missing = specs.filter((s) => !byName.has(s.name)).map((s) => s.name);
    throw new GeoFedError(
      `weights file ${file} has ${tensors.length} tensors, the model has ${specs.length} (missing by name: ${missing.join(', ')})`,
      { remedy: 'check that the file was made for the same model (type and layer sizes)' },
    );
  }
  return specs.map((spec, i) => {
    const t = namesMatch ? byName.get(spec.name)! : tensors[i]!;
    const same = t.shape.length === spec.shape.length && t.shape.every((d, k) => d === spec.shape[k]);
    if (!same) {
      throw new GeoFedError(
        `weights file ${file}: tensor ${t.name} has shape [${t.shape.join(', ')}], the model's ${spec.name} needs [${spec.shape.join(', ')}]`,
        { remedy: 'use weights made for this model; PyTorch dense weights need --transpose-dense when imported' },
      );
    }
    return t.data;
  });
}

export function loadWeightsFor(file: string, specs: readonly WeightSpec[]): WeightList {
  return matchWeights(file, readWeightsFile(file), specs);
}
