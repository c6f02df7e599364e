import type { ClassStats, EmbeddingStats } from '@geofed/shared/geometry/stats';
import { classMoments } from '@geofed/shared/geometry/moments';
import { coordinateMedian, median } from '@geofed/shared/math/median';

/**
 * How the per-client class statistics of one pool are combined (issue #16, poisoning-proof geometry).
 * - `sum`: exact pooling, the default; one client's weight in a class is its count, which must add up to the
 *   numSamples that also weights its model update.
 * - `trimmed`: per class, drop the `fraction` of contributors (at least one once there are three) whose class
 *   mean lies farthest from the coordinate-wise median of the contributors' means, and as many whose
 *   covariance trace is largest; pool the rest exactly.
 * - `median-of-means`: per class, split the contributors into `groups` groups (round-robin by client id),
 *   pool each exactly, and take the coordinate-wise median of the group means and of the group covariances.
 * Both robust rules first cap each contributor's count at CONTRIBUTION_CAP times the class's median count
 * (its statistics scaled down, so its mean and covariance stay its own): no client outweighs the rest by
 * claiming a huge class. Classes with fewer than three contributors cannot be judged and are pooled exactly.
 */
export type PoolingRule = { readonly kind: 'sum' } | { readonly kind: 'trimmed'; readonly fraction: number } | { readonly kind: 'median-of-means'; readonly groups: number };

export const CONTRIBUTION_CAP = 4;

export interface Contribution {
  readonly clientId: string;
  readonly stats: EmbeddingStats;
}


export function poolContributions(contributions: readonly Contribution[], rule: PoolingRule, numClasses: number, dim: number): EmbeddingStats {
  const ordered = [...contributions].sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
  const classes: ClassStats[] = [];
  for (let label = 0; label < numClasses; label++) {
    const held = ordered.flatMap((c) => c.stats.classes.filter((s) => s.label === label));
    if (held.length === 0) continue;
    classes.push(rule.kind === 'sum' || held.length < 3 ? sumClass(label, held, dim) : robustClass(label, capped(held), rule, dim));
  }
  return { numClasses, dim, classes };
}

function robustClass(label: number, held: ClassStats[], rule: Exclude<PoolingRule, { kind: 'sum' }>, dim: number): ClassStats {
  if (rule.kind === 'trimmed') return sumClass(label, trimmed(held, rule.fraction, dim), dim);
  const groups = Math.min(rule.groups, held.length);
  const moments = Array.from({ length: groups }, (_, g) => classMoments(sumClass(label, held.filter((_, k) => k % groups === g), dim)));
  const count = held.reduce((n, c) => n + c.count, 0);
  return fromMoments(label, count, coordinateMedian(moments.map((m) => m.mean)), coordinateMedian(moments.map((m) => m.covariance)));
}

/** Each contributor's count at most CONTRIBUTION_CAP x the median count; over it, its sums are scaled down. */
function capped(held: ClassStats[]): ClassStats[] {
  const cap = CONTRIBUTION_CAP * median(held.map((c) => c.count));
  return held.map((c) => {
    if (c.count <= cap) return c;
    const f = cap / c.count;
    return { label: c.label, count: cap, sum: c.sum.map((v) => v * f), outer: c.outer.map((v) => v * f) };
  });
}

function trimmed(held: ClassStats[], fraction: number, dim: number): ClassStats[] {
  const b = Math.max(1, Math.floor(fraction * held.length));
  const moments = held.map((c) => classMoments(c));
  const center = coordinateMedian(moments.map((m) => m.mean));
  const distance = moments.map((m) => {
    let sq = 0;
    for (let i = 0; i < dim; i++) sq += (m.mean[i]! - center[i]!) ** 2;
    return sq;
  });
  const spread = moments.map((m) => {
    let trace = 0;
    for (let i = 0; i < dim; i++) trace += m.covariance[i * dim + i]!;
    return trace;
  });
  const worst = (score: number[]) => score.map((_, k) => k).sort((a, b) => score[b]! - score[a]! || a - b).slice(0, b);
  const dropped = new Set([...worst(distance), ...worst(spread)]);
  return held.filter((_, k) => !dropped.has(k));
}

function sumClass(label: number, held: readonly ClassStats[], dim: number): ClassStats {
  const out: ClassStats = { label, count: 0, sum: new Float64Array(dim), outer: new Float64Array(dim * dim) };
  for (const c of held) {
    out.count += c.count;
    for (let i = 0; i < dim; i++) out.sum[i]! += c.sum[i]!;
    for (let i = 0; i < dim * dim; i++) out.outer[i]! += c.outer[i]!;
  }
  return out;
}

/** Sufficient statistics with the given count, mean and covariance: s = n mu, S = n (Sigma + mu mu^T). */
function fromMoments(label: number, count: number, mean: Float64Array, covariance: Float64Array): ClassStats {
  const d = mean.length;
  const outer = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) outer[i * d + j] = count * (covariance[i * d + j]! + mean[i]! * mean[j]!);
  return { label, count, sum: mean.map((v) => v * count), outer };
}
