/**
 * Neural-collapse statistics of a representation (Papyan, Han and Donoho 2020): how tightly each class gathers
 * around its mean (NC1) and how close the class means are to a simplex equiangular tight frame (NC2).
 * Only the classes present in the features count; the centre is the mean of the class means, so a sample with
 * unequal class sizes still gives 0 for an exact ETF.
 */
import { symmetricEigen } from '../math/eigen.ts';
import { rowCount, type LabelledFeatures } from './features.ts';

export interface NeuralCollapse {
  /** tr(Sigma_W Sigma_B^+) / K: within-class variability relative to between-class; 0 when every row is its class mean. */
  readonly nc1: number;
  /** || G / ||G||_F - (I - 11^T/K) / sqrt(K-1) ||_F, G the Gram matrix of the unit centred class means: 0 for a simplex ETF. */
  readonly nc2: number;
  /** Classes present in the features (K above). */
  readonly classes: number;
}

/** Eigenvalues below this fraction of the largest are the null space of Sigma_B (its rank is at most K-1). */
const PSEUDO_INVERSE_TOLERANCE = 1e-9;

export function neuralCollapse(features: LabelledFeatures, numClasses: number): NeuralCollapse {
  const n = rowCount(features);
  const { x, y, dim } = features;
  const sums = new Float64Array(numClasses * dim);
  const counts = new Float64Array(numClasses);
  for (let r = 0; r < n; r++) {
    const c = y[r]!;
    if (!(c >= 0 && c < numClasses)) throw new Error(`row ${r} has label ${c}, outside [0, ${numClasses})`);
    counts[c]!++;
    for (let j = 0; j < dim; j++) sums[c * dim + j]! += x[r * dim + j]!;
  }
  const present = [...counts.keys()].filter((c) => counts[c]! > 0);
  const k = present.length;
  if (k < 2) throw new Error(`neural-collapse statistics need rows of at least two classes, got ${k}`);

  // Class means, then centred on the mean of the class means: M is k x dim.
  const slot = new Int32Array(numClasses).fill(-1);
  present.forEach((c, i) => (slot[c] = i));
  const means = new Float64Array(k * dim);
  present.forEach((c, i) => {
    for (let j = 0; j < dim; j++) means[i * dim + j] = sums[c * dim + j]! / counts[c]!;
  });
  const centred = new Float64Array(k * dim);
  for (let j = 0; j < dim; j++) {
    let centre = 0;
    for (let i = 0; i < k; i++) centre += means[i * dim + j]!;
    centre /= k;
    for (let i = 0; i < k; i++) centred[i * dim + j] = means[i * dim + j]! - centre;
  }

  // Sigma_B = M^T M / k has the nonzero eigenpairs of the small k x k matrix G = M M^T / k: for G v = l v,
  // u = M^T v / sqrt(k l) is a unit eigenvector of Sigma_B. So the pseudo-inverse never needs a dim x dim matrix.
  const gram = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += centred[a * dim + j]! * centred[b * dim + j]!;
      gram[a * k + b] = gram[b * k + a] = s;
    }
  }
  const eigen = symmetricEigen(gram.map((v) => v / k), k);
  const largest = eigen.values[0]!;
  if (!(largest > 0)) throw new Error('neural-collapse statistics are undefined: every class has the same mean');
  const directions: Array<{ u: Float64Array; value: number }> = [];
  for (let m = 0; m < k; m++) {
    const value = eigen.values[m]!;
    if (value <= largest * PSEUDO_INVERSE_TOLERANCE) break;
    const u = new Float64Array(dim);
    const scale = 1 / Math.sqrt(k * value);
    for (let i = 0; i < k; i++) {
      const v = eigen.vectors[m * k + i]! * scale;
      for (let j = 0; j < dim; j++) u[j]! += v * centred[i * dim + j]!;
    }
    directions.push({ u, value });
  }

  // tr(Sigma_W Sigma_B^+) = sum over Sigma_B's directions of u^T Sigma_W u / l, with u^T Sigma_W u the mean
  // squared projection of the rows' deviations from their class mean.
  const spread = new Float64Array(directions.length);
  for (let r = 0; r < n; r++) {
    const i = slot[y[r]!]!;
    directions.forEach(({ u }, m) => {
      let p = 0;
      for (let j = 0; j < dim; j++) p += u[j]! * (x[r * dim + j]! - means[i * dim + j]!);
      spread[m]! += p * p;
    });
  }
  const nc1 = directions.reduce((s, { value }, m) => s + spread[m]! / n / value, 0) / k;

  // NC2 on the unit centred means (a mean at the centre has no direction: its cosines count as 0).
  const norms = Array.from({ length: k }, (_, i) => Math.sqrt(gram[i * k + i]!));
  const cosines = gram.map((g, v) => {
    const scale = norms[Math.floor(v / k)]! * norms[v % k]!;
    return scale === 0 ? 0 : g / scale;
  });
  const frobenius = Math.sqrt(cosines.reduce((s, c) => s + c * c, 0));
  let nc2 = 0;
  cosines.forEach((c, v) => {
    const etf = ((Math.floor(v / k) === v % k ? 1 : 0) - 1 / k) / Math.sqrt(k - 1);
    nc2 += (c / frobenius - etf) ** 2;
  });
  return { nc1, nc2: Math.sqrt(nc2), classes: k };
}
