import { GeoFedError } from '../errors.ts';
import type { Rng } from '../math/rng.ts';
import { addPieceSizes, cutPoints, gatherPieces, indicesByClass, requireEnoughSamples } from './common.ts';
import type { PartitionOptions } from './progress.ts';
import { redrawUntilLargeEnough } from './redraw.ts';

/** With minSize 0 clients may be empty, so there may be more clients than samples (100,000 clients on 60,000 images). */
export function requireMinSizeFeasible(n: number, clients: number, minSize: number, scheme: string): void {
  if (minSize > 0) requireEnoughSamples(n, clients);
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
 * cumsum(p). The whole draw is repeated until every client holds at least `minSize` samples (bounded: see
 * `redrawUntilLargeEnough`). A draw keeps only cut points; the clients' index arrays are built once, for the draw
 * that is kept.
 */
export function dirichletLabelSplit(
  byClass: readonly Int32Array[],
  clients: number,
  alpha: number,
  minSize: number,
  rng: Rng,
  scheme = 'dirichlet',
  options: PartitionOptions = {},
): Int32Array[] {
  const n = byClass.reduce((s, c) => s + c.length, 0);
  requireMinSizeFeasible(n, clients, minSize, scheme);
  const cap = n / clients;
  const alphas = new Float64Array(clients).fill(alpha);
  const drawOnce = () => {
    const sizes = new Float64Array(clients);
    const cuts = byClass.map((members) => {
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
      const starts = cutPoints(shuffled.length, p);
      addPieceSizes(sizes, starts);
      return { values: shuffled, starts };
    });
    return { sizes, candidate: { cuts, sizes } };
  };
  const kept = redrawUntilLargeEnough({ scheme, clients, minSize, alpha }, options, drawOnce);
  return gatherPieces(kept.cuts, kept.sizes);
}

export function dirichletSplit(
  labels: Int32Array,
  numClasses: number,
  clients: number,
  alpha: number,
  minSize: number,
  rng: Rng,
  options: PartitionOptions = {},
): Int32Array[] {
  return dirichletLabelSplit(indicesByClass(labels, numClasses), clients, alpha, minSize, rng, 'dirichlet', options);
}
