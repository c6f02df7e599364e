import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symmetricEigen } from '../../src/math/eigen.ts';
import { matmul, orthonormalColumns, transpose } from '../../src/math/linalg.ts';
import { Rng } from '../../src/math/rng.ts';

/** Q diag(lambda) Q^T with Q a seeded random orthogonal matrix. */
function withSpectrum(lambda: number[], seed: number): Float64Array {
  const n = lambda.length;
  const rng = new Rng(seed);
  const q = orthonormalColumns(Float64Array.from({ length: n * n }, () => rng.normal()), n, n);
  const qd = Float64Array.from(q, (v, idx) => v * lambda[idx % n]!);
  return matmul(qd, transpose(q, n, n), n, n, n);
}

function checkDecomposition(a: Float64Array, n: number, expected: number[], tol: number): void {
  const { values, vectors } = symmetricEigen(a, n);
  const sorted = [...expected].map((v) => Math.max(v, 0)).sort((x, y) => y - x);
  for (let m = 0; m < n; m++) assert.ok(Math.abs(values[m]! - sorted[m]!) < tol, `eigenvalue ${m}: ${values[m]} vs ${sorted[m]}`);
  // Orthonormal eigenvectors, and A v = lambda v for every pair whose eigenvalue was not clipped.
  const vvt = matmul(vectors, transpose(vectors, n, n), n, n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(vvt[i * n + j]! - (i === j ? 1 : 0)) < tol);
  for (let m = 0; m < n; m++) {
    if (values[m] === 0) continue;
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let j = 0; j < n; j++) av += a[i * n + j]! * vectors[m * n + j]!;
      assert.ok(Math.abs(av - values[m]! * vectors[m * n + i]!) < tol, `residual of pair ${m}`);
    }
  }
}

test('recovers a known spectrum with distinct eigenvalues', () => {
  const lambda = Array.from({ length: 40 }, (_, i) => 10 * Math.exp(-i / 5));
  checkDecomposition(withSpectrum(lambda, 1), 40, lambda, 1e-10);
});

test('recovers a spectrum with repeated eigenvalues and a zero block (a low-rank covariance)', () => {
  const lambda = [5, 5, 5, 2, 1, 1, 0, 0, 0, 0, 0, 0];
  checkDecomposition(withSpectrum(lambda, 2), lambda.length, lambda, 1e-10);
});

test('handles 1 x 1, 2 x 2 and an already diagonal matrix', () => {
  checkDecomposition(Float64Array.of(3), 1, [3], 1e-15);
  checkDecomposition(Float64Array.of(2, 1, 1, 2), 2, [3, 1], 1e-14);
  checkDecomposition(Float64Array.of(1, 0, 0, 0, 7, 0, 0, 0, 4), 3, [7, 4, 1], 1e-15);
});

test('clips negative eigenvalues to 0 and reports them', () => {
  const lambda = [4, 1, -0.5, -2];
  const result = symmetricEigen(withSpectrum(lambda, 3), 4);
  assert.deepEqual(
    [...result.values].map((v) => Number(v.toFixed(10))),
    [4, 1, 0, 0],
  );
  assert.equal(result.clipped, 2);
  assert.ok(Math.abs(result.mostNegative + 2) < 1e-10);
});

test('a larger random spectrum (n = 150) keeps eigenvalue errors near rounding', () => {
  const rng = new Rng(4);
  const lambda = Array.from({ length: 150 }, () => rng.next() * 3);
  checkDecomposition(withSpectrum(lambda, 5), 150, lambda, 1e-9);
});

test('rejects a non-finite entry with its position', () => {
  assert.throws(() => symmetricEigen(Float64Array.of(1, NaN, NaN, 1), 2), /entry \(0, 1\) is not finite/);
});

/** Sample covariances of ReLU-like features from fewer samples than dimensions, some features always zero. */
function* rankDeficientCovariances(d: number, count: number): Generator<{ a: Float64Array; samples: number }> {
  const rng = new Rng(1);
  for (let t = 0; t < count; t++) {
    const samples = 2 + (t % 15);
    const dead = (t * 7) % 150;
    const scale = t % 2 ? 1e-3 : 10;
    const x = Array.from({ length: samples }, () => Float64Array.from({ length: d }, (_, j) => (j < dead ? 0 : Math.max(0, rng.normal()) * scale)));
    const mean = new Float64Array(d);
    for (const row of x) for (let j = 0; j < d; j++) mean[j]! += row[j]! / samples;
    const a = new Float64Array(d * d);
    for (const row of x) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) a[i * d + j]! += ((row[i]! - mean[i]!) * (row[j]! - mean[j]!)) / (samples - 1);
    yield { a, samples };
  }
}

test('converges on a rank-deficient covariance whose null space is many exact zeros (once failed QL deflation)', () => {
  // The 52nd matrix of this sequence (8 samples, 57 dead features, d = 200) made the QL iteration give up when
  // negligible off-diagonals were judged only against their two (zero) diagonal neighbours.
  const d = 200;
  const cases = [...rankDeficientCovariances(d, 52)];
  const { a, samples } = cases.at(-1)!;
  const { values, vectors } = symmetricEigen(a, d);
  const norm = Math.max(...a.map(Math.abs));
  assert.ok(values.filter((v) => v > 1e-9 * norm).length <= samples - 1, 'rank is at most samples - 1');
  for (let m = 0; m < d; m++) {
    for (let i = 0; i < d; i++) {
      let av = 0;
      for (let j = 0; j < d; j++) av += a[i * d + j]! * vectors[m * d + j]!;
      assert.ok(Math.abs(av - values[m]! * vectors[m * d + i]!) < 1e-10 * norm, `residual of pair ${m}`);
    }
  }
});
