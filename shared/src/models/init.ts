import type { Rng } from '../math/rng.ts';

/**
 * Weight initialisation done in JavaScript from GeoFed's own seeded RNG, so the same seed gives the same initial
 * model on every backend (TF.js initialisers draw differently per backend).
 */
export function glorotUniform(rng: Rng, fanIn: number, fanOut: number, size: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (rng.next() * 2 - 1) * limit;
  return out;
}

export function heUniform(rng: Rng, fanIn: number, size: number): Float32Array {
  const limit = Math.sqrt(6 / fanIn);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (rng.next() * 2 - 1) * limit;
  return out;
}
