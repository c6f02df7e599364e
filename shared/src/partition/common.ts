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

/** Splits at floor(cumsum(p) * n), the cut rule of the common Dirichlet protocol. */
export function splitByProportions(values: Int32Array, proportions: ArrayLike<number>): Int32Array[] {
  const out: Int32Array[] = [];
  let cumulative = 0;
  let start = 0;
  for (let k = 0; k < proportions.length; k++) {
    cumulative += proportions[k]!;
    const end = k === proportions.length - 1 ? values.length : Math.min(values.length, Math.floor(cumulative * values.length));
    out.push(values.slice(start, Math.max(start, end)));
    start = Math.max(start, end);
  }
  return out;
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
