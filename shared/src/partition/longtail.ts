import { GeoFedError } from '../errors.ts';
import type { Rng } from '../math/rng.ts';
import { indicesByClass } from './common.ts';
import { dirichletLabelSplit } from './dirichlet.ts';
import type { PartitionOptions } from './progress.ts';

/**
 * Fed-LT: first subsample the training set to a long tail, n_c = n_max * IF^(c / (K - 1)) (class 0 keeps the
 * most, class K-1 about IF times as many, at least one each), then split it across clients by Dir(alpha).
 * Samples dropped by the long tail belong to no client.
 */
export function longTailKeep(
  labels: Int32Array,
  numClasses: number,
  imbalance: number,
  rng: Rng,
): Int32Array[] {
  if (numClasses < 2) {
    throw new GeoFedError('longtail needs at least 2 classes', { code: 'BAD_CONFIG' });
  }
  const byClass = indicesByClass(labels, numClasses);
  const nMax = Math.max(...byClass.map((m) => m.length));
  return byClass.map((members, c) => {
    const target = Math.max(1, Math.floor(nMax * imbalance ** (c / (numClasses - 1))));
    return rng.shuffle(members.slice()).slice(0, Math.min(members.length, target));
  });
}

export function longTailSplit(
  labels: Int32Array,
  numClasses: number,
  clients: number,
  imbalance: number,
  alpha: number,
  minSize: number,
  rng: Rng,
  options: PartitionOptions = {},
): Int32Array[] {
  const kept = longTailKeep(labels, numClasses, imbalance, rng);
  return dirichletLabelSplit(kept, clients, alpha, minSize, rng, 'longtail', options);
}
