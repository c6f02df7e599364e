import { GeoFedError } from '../errors.ts';
import type { Rng } from '../math/rng.ts';
import { splitByProportions } from './common.ts';
import { requireMinSizeFeasible } from './dirichlet.ts';

const MAX_ATTEMPTS = 1000;

/** Quantity skew: client sizes ~ Dir(alpha) (redrawn until all reach `minSize`), labels IID. */
export function quantitySplit(n: number, clients: number, alpha: number, minSize: number, rng: Rng): Int32Array[] {
  requireMinSizeFeasible(n, clients, minSize, 'quantity');
  const order = rng.permutation(n);
  const alphas = new Float64Array(clients).fill(alpha);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const parts = splitByProportions(order, rng.dirichlet(alphas));
    if (parts.every((p) => p.length >= minSize)) return parts.map((p) => p.sort());
  }
  throw new GeoFedError(
    `quantity: no draw in ${MAX_ATTEMPTS} gave all ${clients} clients at least ${minSize} samples (alpha=${alpha})`,
    { remedy: 'lower --min-size, raise --alpha or use fewer clients', code: 'BAD_CONFIG' },
  );
}
