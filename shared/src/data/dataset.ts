/**
 * In-memory data sets as flat typed arrays. Clients never copy samples: a client's data is a list of indices
 * into a split (and, under domain skew, a transform applied when a batch is built).
 */
export interface Split {
  /** Row-major features, n * featureSize values. May live on a SharedArrayBuffer so worker threads share it. */
  readonly x: Float32Array;
  /** Class labels in [0, numClasses). */
  readonly y: Int32Array;
  readonly n: number;
}

export interface Dataset {
  /** `fashion-mnist`, `synthetic`, `embeddings` ... */
  readonly name: string;
  /** True for generated data; outputs must say so. */
  readonly synthetic: boolean;
  readonly numClasses: number;
  /** Shape of one sample, e.g. [28, 28, 1] for images or [d] for vectors. */
  readonly inputShape: readonly number[];
  readonly featureSize: number;
  readonly classNames: readonly string[];
  readonly train: Split;
  readonly test: Split;
  /** Where the data came from (file paths, generator parameters), for result.json. */
  readonly source: Record<string, unknown>;
}

export function classCounts(labels: ArrayLike<number>, numClasses: number, indices?: ArrayLike<number>): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  if (indices) {
    for (let i = 0; i < indices.length; i++) counts[labels[indices[i]!]!]!++;
  } else {
    for (let i = 0; i < labels.length; i++) counts[labels[i]!]!++;
  }
  return counts;
}
