import { GeoFedError } from '../../errors.ts';
import { transpose } from '../linalg.ts';
import type { Rng } from '../rng.ts';
import { descendOnSphere, normalizeRows, rowGram, weightedRowSums } from './sphereDescent.ts';

/**
 * Equiangular basis vectors (dim x K): K unit vectors with every pairwise |cos| <= tau, for when K > dim + 1
 * rules out a simplex ETF. Start from seeded random unit vectors and descend on
 * sum_{i<j} relu(|cos_ij| - target)^2 with re-normalisation. The squared hinge has exactly the same zero set as
 * the plain hinge sum relu(|cos| - tau) but a gradient that shrinks near the goal, so steps do not oscillate;
 * target = 0.98 tau keeps the last pairs from crawling towards tau.
 */
export function ebvClassifier(numClasses: number, dim: number, tau: number, maxSteps: number, rng: Rng): Float64Array {
  const welch = welchBound(numClasses, dim);
  if (tau <= welch) {
    throw new GeoFedError(
      `EBV tau = ${tau} is below what ${numClasses} unit vectors in ${dim} dimensions can reach (Welch bound ${welch.toFixed(4)})`,
      { remedy: `use tau >= ${(1.3 * welch).toFixed(3)} or a larger embedding dimension`, code: 'CLASSIFIER_DOES_NOT_FIT' },
    );
  }
  const k = numClasses;
  const v = rng.fillNormal(new Float64Array(k * dim));
  normalizeRows(v, k, dim);
  const target = 0.98 * tau;
  const weights = new Float64Array(k * k);
  const result = descendOnSphere(
    v,
    k,
    dim,
    (vectors, grad) => {
      const gram = rowGram(vectors, k, dim);
      let loss = 0;
      let worst = 0;
      weights.fill(0);
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          if (i === j) continue;
          const c = gram[i * k + j]!;
          const excess = Math.abs(c) - target;
          worst = Math.max(worst, Math.abs(c));
          if (excess <= 0) continue;
          weights[i * k + j] = Math.sign(c) * excess;
          if (i < j) loss += excess * excess;
        }
      }
      weightedRowSums(weights, vectors, k, dim, grad);
      return { loss, done: worst <= tau };
    },
    { maxSteps, initialStep: 0.3 },
  );
  if (!result.done) {
    throw new GeoFedError(
      `EBV did not reach max |cos| <= ${tau} for ${numClasses} classes in ${dim} dimensions within ${maxSteps} steps`,
      {
        remedy: `raise tau (Welch bound ${welch.toFixed(4)}; about 1.3x it is reached quickly), maxSteps, or the embedding dimension`,
        code: 'CLASSIFIER_DID_NOT_CONVERGE',
      },
    );
  }
  return transpose(v, k, dim);
}

/** Lower bound on max |cos| for K unit vectors in d dimensions (0 when K <= d). */
export function welchBound(numClasses: number, dim: number): number {
  return numClasses <= dim ? 0 : Math.sqrt((numClasses - dim) / (dim * (numClasses - 1)));
}

/** The design notes' upper end (0.05), or 1.3x the Welch bound when 0.05 is out of reach. */
export function defaultEbvTau(numClasses: number, dim: number): number {
  return Math.max(0.05, 1.3 * welchBound(numClasses, dim));
}
