import type { Rng } from '../math/rng.ts';
import { requireEnoughSamples, splitEvenly } from './common.ts';

/** Shuffle, then split into equal parts. */
export function iidSplit(n: number, clients: number, rng: Rng): Int32Array[] {
  requireEnoughSamples(n, clients);
  return splitEvenly(rng.permutation(n), clients).map((part) => part.sort());
}
