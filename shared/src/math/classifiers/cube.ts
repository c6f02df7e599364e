import type { Rng } from '../rng.ts';
import { assertFits } from './fit.ts';

/** Up to this dimension every vertex of the cube is a candidate; above it, a seeded random pool is. */
const ENUMERATE_UP_TO_DIM = 16;
const RANDOM_POOL_PAIRS = 4096;

/**
 * K vertices of the hypercube {+-1}^d / sqrt(d) (dim x K), chosen far apart: greedy farthest-point selection
 * by Hamming distance (maximise the distance to the nearest chosen vertex, then the summed distance), which
 * gives antipodal pairs first and at least half the best achievable minimum distance. Candidates are all
 * 2^d vertices for small d, otherwise a seeded random pool closed under negation.
 */
export function cubeClassifier(numClasses: number, dim: number, rng: Rng): Float64Array {
  assertFits('cube', numClasses, dim, 'numClasses <= 2^dim');
  const words = Math.ceil(dim / 32);
  const pool = dim <= ENUMERATE_UP_TO_DIM ? enumerateVertices(dim) : randomVertexPool(dim, words, numClasses, rng);
  const chosen = farthestPoints(pool, words, numClasses);
  const out = new Float64Array(dim * numClasses);
  const value = 1 / Math.sqrt(dim);
  chosen.forEach((vertex, c) => {
    for (let i = 0; i < dim; i++) {
      const bit = (pool[vertex * words + (i >> 5)]! >>> (i & 31)) & 1;
      out[i * numClasses + c] = bit ? -value : value;
    }
  });
  return out;
}

function enumerateVertices(dim: number): Uint32Array {
  const pool = new Uint32Array(2 ** dim);
  for (let v = 0; v < pool.length; v++) pool[v] = v;
  return pool;
}

function randomVertexPool(dim: number, words: number, numClasses: number, rng: Rng): Uint32Array {
  const pairs = Math.max(RANDOM_POOL_PAIRS, numClasses);
  const pool = new Uint32Array(2 * pairs * words);
  const lastBits = dim - 32 * (words - 1);
  const lastMask = lastBits === 32 ? 0xffffffff : (2 ** lastBits - 1) >>> 0;
  for (let p = 0; p < pairs; p++) {
    for (let w = 0; w < words; w++) {
      const mask = w === words - 1 ? lastMask : 0xffffffff;
      const bits = rng.nextUint32() & mask;
      pool[2 * p * words + w] = bits >>> 0;
      pool[(2 * p + 1) * words + w] = ~bits & mask;
    }
  }
  return pool;
}

function farthestPoints(pool: Uint32Array, words: number, count: number): number[] {
  const n = pool.length / words;
  const nearest = new Float64Array(n).fill(Infinity);
  const total = new Float64Array(n);
  const chosen: number[] = [0];
  while (chosen.length < count) {
    const last = chosen[chosen.length - 1]!;
    let best = -1;
    for (let v = 0; v < n; v++) {
      let dist = 0;
      for (let w = 0; w < words; w++) dist += popcount(pool[v * words + w]! ^ pool[last * words + w]!);
      if (dist < nearest[v]!) nearest[v] = dist;
      total[v]! += dist;
      if (best < 0 || nearest[v]! > nearest[best]! || (nearest[v] === nearest[best] && total[v]! > total[best]!)) {
        best = v;
      }
    }
    chosen.push(best);
  }
  return chosen;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
