import { orthonormalColumns, matmul } from '../linalg.ts';
import type { Rng } from '../rng.ts';
import { assertFits } from './fit.ts';
import { regularSimplex } from './simplex.ts';

/**
 * Simplex equiangular tight frame (dim x K): M = sqrt(K/(K-1)) P (I_K - 11^T/K), P an orthonormal d x K
 * basis from the QR of a seeded Gaussian matrix. Unit columns, pairwise cosine -1/(K-1).
 * When K = d + 1, no d x K matrix has orthonormal columns; then M = R S with S the (K-1) x K regular simplex
 * and R an orthonormal d x (K-1) basis, which has the same Gram matrix (P (I - 11^T/K) P^T restricted to
 * the simplex's hyperplane).
 */
export function simplexEtf(numClasses: number, dim: number, rng: Rng): Float64Array {
  assertFits('etf', numClasses, dim, 'numClasses <= dim + 1');
  const k = numClasses;
  if (k === dim + 1) {
    const r = orthonormalColumns(rng.fillNormal(new Float64Array(dim * (k - 1))), dim, k - 1);
    return matmul(r, regularSimplex(k), dim, k - 1, k);
  }
  const p = orthonormalColumns(rng.fillNormal(new Float64Array(dim * k)), dim, k);
  const scale = Math.sqrt(k / (k - 1));
  const m = new Float64Array(dim * k);
  for (let i = 0; i < dim; i++) {
    let mean = 0;
    for (let c = 0; c < k; c++) mean += p[i * k + c]!;
    mean /= k;
    for (let c = 0; c < k; c++) m[i * k + c] = scale * (p[i * k + c]! - mean);
  }
  return m;
}

