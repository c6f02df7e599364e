import type { ClassStats } from './stats.ts';

/**
 * Mean and covariance from sufficient statistics: mu = s / n, Sigma = S / n - mu mu^T (the maximum-likelihood,
 * divide-by-n covariance; pooling then equals the within-plus-between formula exactly). `count` may differ
 * from the statistics' own count when privacy noise was added to it.
 */
export function classMoments(c: Pick<ClassStats, 'count' | 'sum' | 'outer'>): { mean: Float64Array; covariance: Float64Array } {
  const d = c.sum.length;
  const n = c.count;
  if (!(n > 0)) throw new Error(`classMoments: count must be positive, got ${n}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < d; i++) mean[i] = c.sum[i]! / n;
  const covariance = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = c.outer[i * d + j]! / n - mean[i]! * mean[j]!;
      covariance[i * d + j] = v;
      covariance[j * d + i] = v;
    }
  }
  return { mean, covariance };
}
