import type { Split } from './dataset.ts';

/** Copies the rows `order[start..end)` of a split into `into` (features) and `labels`; returns the row count. */
export function gatherRows(
  split: Split,
  featureSize: number,
  order: ArrayLike<number>,
  start: number,
  end: number,
  into: Float32Array,
  labels: Int32Array,
): number {
  const rows = end - start;
  for (let r = 0; r < rows; r++) {
    const i = order[start + r]!;
    into.set(split.x.subarray(i * featureSize, (i + 1) * featureSize), r * featureSize);
    labels[r] = split.y[i]!;
  }
  return rows;
}
