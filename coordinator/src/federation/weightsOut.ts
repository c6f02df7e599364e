import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { saveWeightsFile } from '@geofed/shared/models/weightsFile';
import type { WeightList, WeightSpec } from '@geofed/shared/tensor/weights';

/** The trained global model beside a run's result.json: what `geofed evaluate` and `geofed embed` read. */
export const FINAL_WEIGHTS_FILE = 'weights.safetensors';

/** The global model after `round`, kept beside the checkpoint every checkpoint.every rounds. */
export function roundWeightsFile(round: number): string {
  return `weights-round-${String(round).padStart(4, '0')}.safetensors`;
}

/** Writes the global weights as a GeoFed weights file (safetensors), saying which round and model they are. */
export function writeRunWeights(dir: string, name: string, specs: readonly WeightSpec[], weights: WeightList, about: { round: number; modelSpec: string }): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  saveWeightsFile(file, specs, weights, { round: String(about.round), model: about.modelSpec });
  return file;
}
