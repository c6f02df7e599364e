import type { ClassGeometry } from '@geofed/shared/geometry/snapshot';
import { symmetricEigen } from '@geofed/shared/math/eigen';

/** How many eigenpairs to share: enough to explain a fraction of the variance, or a fixed number. */
export type RankRule = { readonly varianceFraction: number } | { readonly fixed: number };

export interface ShapeOptions {
  readonly rank: RankRule;
  /** Upper limit on p whatever the rule says. */
  readonly maxRank?: number | undefined;
  /** Share the mean of the dropped eigenvalues as an isotropic remainder. */
  readonly residual: boolean;
}

/**
 * Geometric shape of one class: eigen-decompose Sigma (negative eigenvalues clipped to 0) and keep the top p.
 */
export function classShape(
  label: number,
  count: number,
  mean: Float64Array,
  covariance: Float64Array,
  options: ShapeOptions,
): ClassGeometry {
  const d = mean.length;
  const { values, vectors } = symmetricEigen(covariance, d);
  const p = selectRank(values, options.rank, options.maxRank);
  let residualVariance = 0;
  if (options.residual && p < d) {
    let rest = 0;
    for (let m = p; m < d; m++) rest += values[m]!;
    residualVariance = rest / (d - p);
  }
  return {
    label,
    count,
    prototype: Float32Array.from(mean),
    eigenvalues: Float32Array.from(values.subarray(0, p)),
    eigenvectors: Float32Array.from(vectors.subarray(0, p * d)),
    residualVariance,
  };
}

/** p for eigenvalues sorted descending (all >= 0); 0 when there is no variance at all. */
export function selectRank(values: Float64Array, rule: RankRule, maxRank?: number): number {
  const d = values.length;
  let p: number;
  if ('fixed' in rule) {
    p = rule.fixed;
  } else {
    let total = 0;
    for (const v of values) total += v;
    p = 0;
    let explained = 0;
    // Compare against the fraction of the total with a little slack, so 100% does not fail on rounding.
    const goal = rule.varianceFraction * total * (1 - 1e-12);
    while (p < d && explained < goal) explained += values[p++]!;
  }
  return Math.min(p, maxRank ?? d, d);
}
