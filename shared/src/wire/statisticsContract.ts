import type { EmbeddingStats } from '../geometry/stats.ts';
import { WireError } from './errors.ts';

/**
 * What a coordinator requires of an update's class statistics beyond their shape (which statisticsFromWire checks):
 * they describe exactly the samples the update claims, and each class's second moment is one real embeddings can
 * have. A statistic that fails either would bend the pooled geometry every client trains against.
 */

/**
 * Relative slack for rounding in a client's float64 sums: a scatter matrix may have eigenvalues this far below zero
 * (relative to its largest diagonal entry) and still be taken for positive semi-definite.
 */
const PSD_SLACK = 1e-9;

/** The class counts add up to the update's sample count (statistics are taken over all the client's data). */
export function checkStatisticsCount(stats: EmbeddingStats, numSamples: number, where: string): void {
  const counted = stats.classes.reduce((sum, c) => sum + c.count, 0);
  if (counted !== numSamples) {
    throw new WireError('BAD_VALUE', `${where}: the class statistics count ${counted} samples, the update claims ${numSamples}`, {
      remedy: 'take the statistics over every local sample the update reports',
    });
  }
}

/**
 * Each class's scatter S - s s^T / n is positive semi-definite (as any sum of (z - mean)(z - mean)^T is). Checked by
 * a Cholesky factorisation of the scatter plus a small multiple of the identity, which exists exactly when no
 * eigenvalue lies below minus that multiple.
 */
export function checkStatisticsMoments(stats: EmbeddingStats, where: string): void {
  const d = stats.dim;
  for (const c of stats.classes) {
    const scatter = new Float64Array(d * d);
    let maxDiagonal = 0;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) scatter[i * d + j] = c.outer[i * d + j]! - (c.sum[i]! * c.sum[j]!) / c.count;
      maxDiagonal = Math.max(maxDiagonal, Math.abs(c.outer[i * d + i]!));
    }
    const shift = PSD_SLACK * Math.max(maxDiagonal, Number.MIN_VALUE);
    for (let i = 0; i < d; i++) scatter[i * d + i]! += shift;
    if (!hasCholesky(scatter, d)) {
      throw new WireError('BAD_VALUE', `${where}: class ${c.label}: the second moment is not positive semi-definite around the class mean`, {
        remedy: 'send sum_outer = sum of z z^T over the same embeddings as sum',
      });
    }
  }
}

/** In-place Cholesky of a symmetric d x d matrix; false when a pivot is not positive (the matrix is not positive definite). */
function hasCholesky(a: Float64Array, d: number): boolean {
  for (let j = 0; j < d; j++) {
    let pivot = a[j * d + j]!;
    for (let k = 0; k < j; k++) pivot -= a[j * d + k]! ** 2;
    if (!(pivot > 0)) return false;
    const root = Math.sqrt(pivot);
    a[j * d + j] = root;
    for (let i = j + 1; i < d; i++) {
      let v = a[i * d + j]!;
      for (let k = 0; k < j; k++) v -= a[i * d + k]! * a[j * d + k]!;
      a[i * d + j] = v / root;
    }
  }
  return true;
}
