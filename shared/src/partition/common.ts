import { GeoFedError } from '../errors.ts';

/** Training indices of each class, in ascending order. */
export function indicesByClass(labels: Int32Array, numClasses: number): Int32Array[] {
  const counts = new Int32Array(numClasses);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (y < 0 || y >= numClasses) {
      throw new GeoFedError(`label ${y} of training sample ${i} is outside [0, ${numClasses})`, { code: 'BAD_DATA' });
    }
    counts[y]!++;
  }
  const out = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(numClasses);
  for (let i = 0; i < labels.length; i++) out[labels[i]!]![fill[labels[i]!]!++] = i;
  return out;
}

/** Splits into `parts` contiguous pieces whose sizes differ by at most one (the larger ones first). */
export function splitEvenly(values: Int32Array, parts: number): Int32Array[] {
  const base = Math.floor(values.length / parts);
  const extra = values.length % parts;
  const out: Int32Array[] = [];
  let start = 0;
  for (let k = 0; k < parts; k++) {
    const size = base + (k < extra ? 1 : 0);
    out.push(values.slice(start, start + size));
    start += size;
  }
  return out;
}

/**
 * Start of each of the pieces of `length` values cut at floor(cumsum(p) * length), the cut rule of the common
 * Dirichlet protocol; piece k is [starts[k], starts[k + 1]), the last one ends at `length`.
 */
export function cutPoints(length: number, proportions: ArrayLike<number>): Int32Array {
  const starts = new Int32Array(proportions.length + 1);
  let cumulative = 0;
  let start = 0;
  for (let k = 0; k < proportions.length; k++) {
    cumulative += proportions[k]!;
    const end = k === proportions.length - 1 ? length : Math.min(length, Math.floor(cumulative * length));
    starts[k] = start;
    start = Math.max(start, end);
  }
  starts[proportions.length] = start;
  return starts;
}

/** Adds each piece's length (as cut by `cutPoints`) to its client's size. */
export function addPieceSizes(sizes: Float64Array, starts: Int32Array): void {
  for (let k = 0; k < sizes.length; k++) sizes[k]! += starts[k + 1]! - starts[k]!;
}

/**
 * Each client's indices, sorted: the union of its pieces over every cut list (one per class), gathered into one
 * array per client without building the pieces first (100,000 clients x 10 classes would be a million arrays).
 */
export function gatherPieces(cuts: readonly { values: Int32Array; starts: Int32Array }[], sizes: ArrayLike<number>): Int32Array[] {
  const out = Array.from({ length: sizes.length }, (_, k) => new Int32Array(sizes[k]!));
  const filled = new Int32Array(sizes.length);
  for (const { values, starts } of cuts) {
    for (let k = 0; k < out.length; k++) {
      const piece = values.subarray(starts[k]!, starts[k + 1]!);
      out[k]!.set(piece, filled[k]!);
      filled[k]! += piece.length;
    }
  }
  return out.map((indices) => indices.sort());
}

export function concatSorted(pieces: readonly Int32Array[]): Int32Array {
  const out = new Int32Array(pieces.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out.sort();
}

export function requireEnoughSamples(n: number, clients: number, what = 'training samples'): void {
  if (clients > n) {
    throw new GeoFedError(`${clients} clients but only ${n} ${what}`, {
      remedy: 'use fewer clients or a larger data set',
      code: 'BAD_CONFIG',
    });
  }
}
