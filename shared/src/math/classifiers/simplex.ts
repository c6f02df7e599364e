import { assertFits } from './fit.ts';

/**
 * The regular simplex: K unit vectors in R^(K-1) with pairwise cosine -1/(K-1), as a (K-1) x K matrix
 * (column c = vertex c). Built from the Helmert basis of the hyperplane orthogonal to (1, ..., 1): the centred
 * standard basis vectors e_c - 1/K have coordinates h_j[c] in that basis, and norm sqrt((K-1)/K).
 */
export function regularSimplex(numClasses: number): Float64Array {
  const k = numClasses;
  const out = new Float64Array((k - 1) * k);
  const scale = Math.sqrt(k / (k - 1));
  for (let j = 1; j < k; j++) {
    // h_j = (1, ..., 1 [j times], -j, 0, ...) / sqrt(j (j + 1))
    const inv = 1 / Math.sqrt(j * (j + 1));
    const row = (j - 1) * k;
    for (let c = 0; c < j; c++) out[row + c] = scale * inv;
    out[row + j] = -scale * j * inv;
  }
  return out;
}

/** Regular simplex padded with zero rows up to `dim` (dim x K). Needs dim >= K - 1; uses no randomness. */
export function simplexClassifier(numClasses: number, dim: number): Float64Array {
  assertFits('simplex', numClasses, dim, 'numClasses <= dim + 1');
  const out = new Float64Array(dim * numClasses);
  out.set(regularSimplex(numClasses));
  return out;
}
