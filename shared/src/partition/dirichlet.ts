import { GeoFedError } from '../errors.ts';
import type { Rng } from '../math/rng.ts';
import { concatSorted, indicesByClass, requireEnoughSamples, splitByProportions } from './common.ts';

/** Whole redraws before giving up on the minimum client size. */
const MAX_ATTEMPTS = 1000;

export function requireMinSizeFeasible(n: number, clients: number, minSize: number, scheme: string): void {
  requireEnoughSamples(n, clients);
  if (minSize * clients > n) {
    throw new GeoFedError(`${scheme}: ${clients} clients x min size ${minSize} exceeds the ${n} samples`, {
      remedy: 'lower --min-size or use fewer clients',
      code: 'BAD_CONFIG',
    });
  }
}

/**
 * Label skew by Dir(alpha), as in NIID-Bench: per class, shuffle its indices, draw client shares
 * p ~ Dir(alpha * 1_C), zero the shares of clients already holding >= n/C samples, renormalise and cut at
 * cumsum(p). The whole draw is repeated until every client holds at least `minSize` samples.
 */
export function dirichletLabelSplit(
  byClass: readonly Int32Array[],
  clients: number,
  alpha: number,
  minSize: number,
  rng: Rng,
  scheme = 'dirichlet',
): Int32Array[] {
  const n = byClass.reduce((s, c) => s + c.length, 0);
  requireMinSizeFeasible(n, clients, minSize, scheme);
  const cap = n / clients;
  const alphas = new Float64Array(clients).fill(alpha);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const held: Int32Array[][] = Array.from({ length: clients }, () => []);
    const sizes = new Float64Array(clients);
    for (const members of byClass) {
      const shuffled = rng.shuffle(members.slice());
      const p = rng.dirichlet(alphas);
      let sum = 0;
      for (let k = 0; k < clients; k++) {
        if (sizes[k]! >= cap) p[k] = 0;
        sum += p[k]!;
      }
      // All the mass fell on full clients (tiny alpha); spread over the others rather than divide by zero.
      if (sum === 0) for (let k = 0; k < clients; k++) sum += p[k] = sizes[k]! < cap ? 1 : 0;
      for (let k = 0; k < clients; k++) p[k]! /= sum;
      splitByProportions(shuffled, p).forEach((piece, k) => {
        held[k]!.push(piece);
        sizes[k]! += piece.length;
      });
    }
    if (Math.min(...sizes) >= minSize) return held.map(concatSorted);
  }
  throw new GeoFedError(
    `${scheme}: no draw in ${MAX_ATTEMPTS} gave all ${clients} clients at least ${minSize} samples (alpha=${alpha})`,
    { remedy: 'lower --min-size, raise --alpha or use fewer clients', code: 'BAD_CONFIG' },
  );
}

export function dirichletSplit(
  labels: Int32Array,
  numClasses: number,
  clients: number,
  alpha: number,
  minSize: number,
  rng: Rng,
): Int32Array[] {
  return dirichletLabelSplit(indicesByClass(labels, numClasses), clients, alpha, minSize, rng);
}
