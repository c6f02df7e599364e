/**
 * Seeded, serialisable pseudo-random numbers (sfc32, seeded through splitmix32).
 * Every random choice in GeoFed (partitions, client sampling, shuffling, synthesis, classifier construction)
 * goes through this type so that a run is reproducible from its seed and a checkpoint can carry the state.
 */
/** The four sfc32 words, and the cached second normal deviate when there is one (so a restore is exact). */
export type RngState = [number, number, number, number] | [number, number, number, number, number];

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  /**
   * The sfc32 words a, b, c, d. In an Int32Array they stay unboxed (as object fields, values above 2^31 are heap
   * numbers and every step allocated); read through words(), which keeps their historic decimal forms.
   */
  private readonly s = new Int32Array(4);
  /** After setState, a is held as unsigned until the next step (it is signed after a step): fork labels depend on it. */
  private aUnsigned = true;
  /** NaN when there is none: a field that only ever holds doubles keeps normal() on V8's fast path. */
  private spareNormal = Number.NaN;

  constructor(seed: number | string = 0) {
    const numericSeed = typeof seed === 'string' ? hashString(seed) : seed;
    if (!Number.isFinite(numericSeed)) throw new Error(`seed must be a finite number, got ${seed}`);
    const mix = splitmix32(Math.floor(numericSeed) ^ Math.floor(numericSeed / 2 ** 32));
    for (let i = 0; i < 4; i++) this.s[i] = mix();
    // Warm up so that close seeds give unrelated streams.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.setState(state);
    return rng;
  }

  setState(state: RngState): void {
    for (let i = 0; i < 4; i++) this.s[i] = state[i]!;
    this.aUnsigned = true;
    this.spareNormal = state[4] ?? Number.NaN;
  }

  state(): RngState {
    const words = this.words();
    return Number.isNaN(this.spareNormal) ? words : [...words, this.spareNormal];
  }

  /** A child stream that does not disturb this one's future (derived from the current state and a label). */
  fork(label: string | number): Rng {
    const [a, b, c, d] = this.words();
    return new Rng(hashString(`${a}:${b}:${c}:${d}:${label}`));
  }

  private words(): [number, number, number, number] {
    const s = this.s;
    return [this.aUnsigned ? s[0]! >>> 0 : s[0]!, s[1]! >>> 0, s[2]! >>> 0, s[3]! >>> 0];
  }

  nextUint32(): number {
    const s = this.s;
    const a = s[0]!;
    const b = s[1]!;
    const c = s[2]!;
    const d = s[3]!;
    const t = (a + b + d) | 0;
    s[3] = d + 1;
    s[0] = b ^ (b >>> 9);
    s[1] = c + (c << 3);
    s[2] = ((c << 21) | (c >>> 11)) + t;
    this.aUnsigned = false;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 53 bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n > 0)) throw new Error(`int(n) needs n > 0, got ${n}`);
    return Math.floor(this.next() * n);
  }

  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const v = this.spareNormal;
      this.spareNormal = Number.NaN;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fills `out` with standard normal deviates, in order, and returns it. */
  fillNormal<T extends Float32Array | Float64Array>(out: T): T {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
    return out;
  }

  /** Gamma(shape, 1) by Marsaglia and Tsang, with the boost for shape < 1. */
  gamma(shape: number): number {
    if (!(shape > 0)) throw new Error(`gamma shape must be > 0, got ${shape}`);
    if (shape < 1) {
      const u = this.next();
      return this.gamma(shape + 1) * Math.pow(u === 0 ? Number.MIN_VALUE : u, 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      if (u < 1 - 0.0331 * x ** 4) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** A draw from Dirichlet(alphas); falls back to a one-hot on the largest gamma draw if all underflow. */
  dirichlet(alphas: ArrayLike<number>): Float64Array {
    const out = new Float64Array(alphas.length);
    let sum = 0;
    for (let i = 0; i < alphas.length; i++) {
      out[i] = this.gamma(alphas[i]!);
      sum += out[i]!;
    }
    if (sum > 0) {
      for (let i = 0; i < out.length; i++) out[i]! /= sum;
    } else {
      out[this.int(out.length)] = 1;
    }
    return out;
  }

  /** Fisher–Yates, in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = arr[i];
      arr[i] = arr[j];
      arr[j] = tmp;
    }
    return arr;
  }

  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** k distinct values from [0, n), in random order. */
  sample(n: number, k: number): number[] {
    if (k > n) throw new Error(`cannot sample ${k} of ${n}`);
    return Array.from(this.permutation(n).subarray(0, k));
  }
}

export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
