/**
 * Class statistics as fixed-point segments for secure aggregation. Every client sends every class, zeros for
 * classes it lacks, because which classes a client holds is itself private. S is symmetric, so only its upper
 * triangle travels.
 *
 * Bounds follow from two public numbers: the most samples any client may hold of one class (maxCount) and the
 * embedding norm bound C (enforced by clipping): |count| <= maxCount, |sum_i| <= maxCount * C and
 * |S_ij| <= maxCount * C^2 since |z_i z_j| <= |z|^2.
 */
import { GeoFedError } from '../errors.ts';
import type { EmbeddingStats } from '../geometry/stats.ts';
import type { SegmentSpec } from './fixedPoint.ts';

export interface StatsBounds {
  readonly maxCount: number;
  readonly maxNorm: number;
}

export const STATS_SEGMENTS = { counts: 'stats.counts', sums: 'stats.sums', outer: 'stats.outer' } as const;

function triangle(dim: number): number {
  return (dim * (dim + 1)) / 2;
}

export function statsSegments(numClasses: number, dim: number, bounds: StatsBounds): SegmentSpec[] {
  return [
    { name: STATS_SEGMENTS.counts, length: numClasses, bound: bounds.maxCount },
    { name: STATS_SEGMENTS.sums, length: numClasses * dim, bound: bounds.maxCount * bounds.maxNorm },
    { name: STATS_SEGMENTS.outer, length: numClasses * triangle(dim), bound: bounds.maxCount * bounds.maxNorm ** 2 },
  ];
}

export function packStats(stats: EmbeddingStats): Record<string, Float64Array> {
  const { numClasses, dim } = stats;
  const tri = triangle(dim);
  const counts = new Float64Array(numClasses);
  const sums = new Float64Array(numClasses * dim);
  const outer = new Float64Array(numClasses * tri);
  for (const c of stats.classes) {
    counts[c.label] = c.count;
    sums.set(c.sum, c.label * dim);
    let k = c.label * tri;
    for (let i = 0; i < dim; i++) for (let j = i; j < dim; j++) outer[k++] = c.outer[i * dim + j]!;
  }
  return { [STATS_SEGMENTS.counts]: counts, [STATS_SEGMENTS.sums]: sums, [STATS_SEGMENTS.outer]: outer };
}

/**
 * Back to EmbeddingStats from decoded sums. Counts are sums of integers, so they are rounded back to integers
 * (the quantisation error is far below 1/2); classes with count 0 are left out, as accumulateStats does.
 */
export function unpackStats(values: Readonly<Record<string, Float64Array>>, numClasses: number, dim: number): EmbeddingStats {
  const counts = values[STATS_SEGMENTS.counts];
  const sums = values[STATS_SEGMENTS.sums];
  const outer = values[STATS_SEGMENTS.outer];
  const tri = triangle(dim);
  if (counts?.length !== numClasses || sums?.length !== numClasses * dim || outer?.length !== numClasses * tri) {
    throw new GeoFedError(`secure aggregation: decoded statistics do not match ${numClasses} classes x ${dim} dimensions`);
  }
  const classes = [];
  for (let label = 0; label < numClasses; label++) {
    const count = Math.round(counts[label]!);
    if (count <= 0) continue;
    const full = new Float64Array(dim * dim);
    let k = label * tri;
    for (let i = 0; i < dim; i++) {
      for (let j = i; j < dim; j++) {
        full[i * dim + j] = outer[k]!;
        full[j * dim + i] = outer[k++]!;
      }
    }
    classes.push({ label, count, sum: sums.slice(label * dim, (label + 1) * dim), outer: full });
  }
  return { numClasses, dim, classes };
}
