/** The median (mean of the two middle values for an even count); the input is not modified. */
export function median(values: ArrayLike<number>): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Coordinate-wise median of equally long vectors. */
export function coordinateMedian(vectors: readonly ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(vectors[0]!.length);
  const column = new Float64Array(vectors.length);
  for (let j = 0; j < out.length; j++) {
    for (let k = 0; k < vectors.length; k++) column[k] = vectors[k]![j]!;
    out[j] = median(column);
  }
  return out;
}
