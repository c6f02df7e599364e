/** Embeddings of labelled rows: n x dim, row-major, and each row's class. */
export interface LabelledFeatures {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly dim: number;
}

export function rowCount(features: LabelledFeatures): number {
  if (features.x.length !== features.y.length * features.dim) {
    throw new Error(`features hold ${features.x.length} values, expected ${features.y.length} rows x ${features.dim}`);
  }
  return features.y.length;
}
