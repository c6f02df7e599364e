import type { Rng } from '../math/rng.ts';
import { addPieceSizes, cutPoints, gatherPieces } from './common.ts';
import { requireMinSizeFeasible } from './dirichlet.ts';
import type { PartitionOptions } from './progress.ts';
import { redrawUntilLargeEnough } from './redraw.ts';

/** Quantity skew: client sizes ~ Dir(alpha) (redrawn until all reach `minSize`, bounded), labels IID. */
export function quantitySplit(
  n: number,
  clients: number,
  alpha: number,
  minSize: number,
  rng: Rng,
  options: PartitionOptions = {},
): Int32Array[] {
  requireMinSizeFeasible(n, clients, minSize, 'quantity');
  const order = rng.permutation(n);
  const alphas = new Float64Array(clients).fill(alpha);
  const kept = redrawUntilLargeEnough({ scheme: 'quantity', clients, minSize, alpha }, options, () => {
    const starts = cutPoints(n, rng.dirichlet(alphas));
    const sizes = new Float64Array(clients);
    addPieceSizes(sizes, starts);
    return { sizes, candidate: { starts, sizes } };
  });
  return gatherPieces([{ values: order, starts: kept.starts }], kept.sizes);
}
