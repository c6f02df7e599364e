import { GeoFedError } from '../../errors.ts';
import { transpose } from '../linalg.ts';
import type { Rng } from '../rng.ts';
import { simplexEtf } from './etf.ts';
import { assertFits } from './fit.ts';
import { descendOnSphere, normalizeRows, rowGram, weightedRowSums } from './sphereDescent.ts';

/** Cosines within this of -1/(K-1) count as restored. */
const ANGLE_TOLERANCE = 1e-3;

/**
 * FedLoGe's static sparse ETF (SSE-C), dim x K. What we do:
 *  1. build the simplex ETF from the seed;
 *  2. in every column, zero exactly round(sparsity * dim) entries chosen at random (same count per column, so
 *     no class loses more dimensions than another; total zeros = K * round(sparsity * dim));
 *  3. re-normalise the columns to unit norm (constant norm across classes);
 *  4. with the zero pattern frozen, descend on sum_{i != j} (cos_ij + 1/(K-1))^2, the distance of the Gram
 *     matrix to the ETF's, re-normalising after each step, so the pairwise angles return close to the
 *     maximal ones that masking disturbed, until every cosine is within ANGLE_TOLERANCE of -1/(K-1) or the
 *     step budget is spent (high sparsity with many classes may not get there: the angles are then as close
 *     as the budget allowed).
 */
export function sparseEtfClassifier(
  numClasses: number,
  dim: number,
  sparsity: number,
  steps: number,
  rng: Rng,
): Float64Array {
  assertFits('sparse-etf', numClasses, dim, 'numClasses <= dim + 1');
  const k = numClasses;
  const zerosPerColumn = sparseZeroCount(dim, sparsity);
  if (dim - zerosPerColumn < 1) {
    throw new GeoFedError(`sparse-etf with sparsity ${sparsity} leaves no non-zero entry in a ${dim}-dimensional column`, {
      remedy: 'lower the sparsity or raise the embedding dimension',
      code: 'CLASSIFIER_DOES_NOT_FIT',
    });
  }
  const etf = simplexEtf(k, dim, rng.fork('etf'));
  const v = transpose(etf, dim, k);
  const mask = new Uint8Array(k * dim).fill(1);
  const maskRng = rng.fork('mask');
  for (let c = 0; c < k; c++) {
    for (const i of maskRng.sample(dim, zerosPerColumn)) {
      mask[c * dim + i] = 0;
      v[c * dim + i] = 0;
    }
  }
  normalizeRows(v, k, dim);
  const ideal = -1 / (k - 1);
  const weights = new Float64Array(k * k);
  descendOnSphere(
    v,
    k,
    dim,
    (vectors, grad) => {
      const gram = rowGram(vectors, k, dim);
      let loss = 0;
      let worst = 0;
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          const dev = i === j ? 0 : gram[i * k + j]! - ideal;
          weights[i * k + j] = dev;
          loss += dev * dev;
          worst = Math.max(worst, Math.abs(dev));
        }
      }
      weightedRowSums(weights, vectors, k, dim, grad);
      return { loss, done: worst <= ANGLE_TOLERANCE };
    },
    { maxSteps: steps, initialStep: 0.1, mask },
  );
  return transpose(v, k, dim);
}

export function sparseZeroCount(dim: number, sparsity: number): number {
  return Math.round(sparsity * dim);
}
