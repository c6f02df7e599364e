/**
 * Fixed-point encoding of real vectors in Z_2^32, the ring secure aggregation adds in: masks are uniform in Z_2^32
 * and cancel exactly there, which floating point could not do.
 *
 * A vector is laid out as named segments (weights, class counts, sums, second moments) because their ranges differ by
 * orders of magnitude: each segment gets its own number of fractional bits f from a bound every client agrees on
 * (|value| <= bound for every value any one client sends) and the number of clients n, chosen as large as possible
 * while the sum of n values still fits a signed 32-bit integer: n * bound * 2^f < 2^31.
 *
 * Quantisation bound: each client rounds to the nearest multiple of 2^-f, so every coordinate of the decoded SUM is
 * within n * 2^-(f+1) of the exact real sum. `errorBound(segment)` returns that number.
 */
import { GeoFedError } from '../errors.ts';

export interface SegmentSpec {
  readonly name: string;
  readonly length: number;
  /** Largest |value| any single client may put in this segment. */
  readonly bound: number;
}

interface PlacedSegment extends SegmentSpec {
  readonly offset: number;
  readonly fractionalBits: number;
  readonly scale: number;
}

const TWO_POW_31 = 2 ** 31;

/** The most fractional bits that keep the sum of `clients` values of magnitude <= bound inside a signed 32-bit integer. */
export function fractionalBitsFor(bound: number, clients: number): number {
  if (!(bound > 0) || !Number.isFinite(bound)) throw new GeoFedError(`fixed-point bound must be a positive finite number, got ${bound}`);
  if (!Number.isInteger(clients) || clients < 1) throw new GeoFedError(`fixed-point client count must be a positive integer, got ${clients}`);
  // Strictly below 2^31: the largest f with clients * bound * 2^f < 2^31.
  let f = Math.floor(Math.log2(TWO_POW_31 / (clients * bound)));
  while (f > 0 && clients * bound * 2 ** f >= TWO_POW_31) f--;
  if (f < 0 || clients * bound * 2 ** f >= TWO_POW_31) {
    throw new GeoFedError(`a sum of ${clients} values of magnitude up to ${bound} does not fit 32-bit fixed point`, {
      remedy: 'lower the bound (clip the values) or aggregate fewer clients per round',
    });
  }
  return f;
}

export class FixedPointLayout {
  readonly length: number;
  readonly clients: number;
  private readonly segments: readonly PlacedSegment[];

  constructor(specs: readonly SegmentSpec[], clients: number) {
    const names = new Set<string>();
    let offset = 0;
    this.segments = specs.map((spec) => {
      if (names.has(spec.name)) throw new GeoFedError(`fixed-point layout has two segments named '${spec.name}'`);
      names.add(spec.name);
      if (!Number.isInteger(spec.length) || spec.length < 0) {
        throw new GeoFedError(`fixed-point segment '${spec.name}' has length ${spec.length}, expected a non-negative integer`);
      }
      const fractionalBits = fractionalBitsFor(spec.bound, clients);
      const placed = { ...spec, offset, fractionalBits, scale: 2 ** fractionalBits };
      offset += spec.length;
      return placed;
    });
    this.length = offset;
    this.clients = clients;
  }

  /** Largest possible |decoded sum - exact sum| per coordinate of this segment: n * 2^-(f+1). */
  errorBound(name: string): number {
    return this.clients / (2 * this.segment(name).scale);
  }

  fractionalBits(name: string): number {
    return this.segment(name).fractionalBits;
  }

  /** One client's values, rounded to the segment's grid; refuses values beyond the agreed bound (they could wrap the sum). */
  encode(values: Readonly<Record<string, ArrayLike<number>>>): Uint32Array {
    const out = new Uint32Array(this.length);
    for (const seg of this.segments) {
      const v = values[seg.name];
      if (v === undefined) throw new GeoFedError(`fixed-point encode: segment '${seg.name}' is missing`);
      if (v.length !== seg.length) {
        throw new GeoFedError(`fixed-point encode: segment '${seg.name}' has ${v.length} values, expected ${seg.length}`);
      }
      for (let i = 0; i < seg.length; i++) {
        const x = v[i]!;
        if (!(Math.abs(x) <= seg.bound)) {
          throw new GeoFedError(`fixed-point encode: value ${x} at ${seg.name}[${i}] is outside the agreed bound ±${seg.bound}`, {
            remedy: 'clip the values before aggregation or raise the bound for this segment',
          });
        }
        // ToUint32 of a (possibly negative) integer is its residue mod 2^32: two's complement.
        out[seg.offset + i] = Math.round(x * seg.scale) >>> 0;
      }
    }
    return out;
  }

  /** Decodes a sum of at most `clients` encoded vectors back to reals, segment by segment. */
  decode(sum: Uint32Array): Record<string, Float64Array> {
    if (sum.length !== this.length) throw new GeoFedError(`fixed-point decode: got ${sum.length} values, expected ${this.length}`);
    const out: Record<string, Float64Array> = {};
    for (const seg of this.segments) {
      const values = new Float64Array(seg.length);
      for (let i = 0; i < seg.length; i++) values[i] = (sum[seg.offset + i]! | 0) / seg.scale;
      out[seg.name] = values;
    }
    return out;
  }

  private segment(name: string): PlacedSegment {
    const seg = this.segments.find((s) => s.name === name);
    if (!seg) throw new GeoFedError(`fixed-point layout has no segment '${name}'`);
    return seg;
  }
}

/** In-place a += b in Z_2^32 (the Uint32Array store wraps modulo 2^32). */
export function addInto(a: Uint32Array, b: Uint32Array): void {
  for (let i = 0; i < a.length; i++) a[i] = a[i]! + b[i]!;
}

/** In-place a -= b in Z_2^32. */
export function subtractInto(a: Uint32Array, b: Uint32Array): void {
  for (let i = 0; i < a.length; i++) a[i] = a[i]! - b[i]!;
}
