import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClassGeometry, GeometrySnapshot } from '@geofed/shared/geometry/snapshot';
import { orthonormalColumns } from '@geofed/shared/math/linalg';
import { Rng } from '@geofed/shared/math/rng';
import { sampleAround } from '../../src/synthesis/sampleAround.ts';
import { synthesizeForClient } from '../../src/synthesis/synthesizeForClient.ts';

const D = 5;
const LAMBDA = [4, 2, 1, 0.5, 0.5];
const MU = Float32Array.of(1, -2, 0.5, 3, 0);

/** A class whose covariance is Q diag(LAMBDA) Q^T for a seeded random rotation Q; p eigenpairs shared. */
function knownGeometry(p: number, residual: boolean, label = 0): ClassGeometry & { sigma: Float64Array } {
  const rng = new Rng(42);
  const q = orthonormalColumns(Float64Array.from({ length: D * D }, () => rng.normal()), D, D);
  const sigma = new Float64Array(D * D);
  for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) for (let m = 0; m < D; m++) sigma[i * D + j]! += LAMBDA[m]! * q[i * D + m]! * q[j * D + m]!;
  const eigenvectors = new Float32Array(p * D);
  for (let m = 0; m < p; m++) for (let j = 0; j < D; j++) eigenvectors[m * D + j] = q[j * D + m]!;
  const rest = LAMBDA.slice(p);
  return {
    label,
    count: 1000,
    prototype: MU,
    eigenvalues: Float32Array.from(LAMBDA.slice(0, p)),
    eigenvectors,
    residualVariance: residual && rest.length ? rest.reduce((a, b) => a + b, 0) / rest.length : 0,
    sigma,
  };
}

function sampleMoments(z: Float32Array, n: number) {
  const mean = new Float64Array(D);
  for (let r = 0; r < n; r++) for (let i = 0; i < D; i++) mean[i]! += z[r * D + i]! / n;
  const cov = new Float64Array(D * D);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) cov[i * D + j]! += ((z[r * D + i]! - mean[i]!) * (z[r * D + j]! - mean[j]!)) / (n - 1);
  }
  return { mean, cov };
}

/**
 * Five standard errors of Gaussian sample moments: Var(mean_i) = Sigma_ii / n and
 * Var(cov_ij) = (Sigma_ij^2 + Sigma_ii Sigma_jj) / n, so a correct sampler lands inside with
 * probability > 1 - 1e-5 per entry; a wrong scale (lambda instead of sqrt(lambda)) misses by 20+ errors.
 */
function assertMomentsMatch(z: Float32Array, n: number, sigma: Float64Array): void {
  const { mean, cov } = sampleMoments(z, n);
  for (let i = 0; i < D; i++) {
    assert.ok(Math.abs(mean[i]! - MU[i]!) < 5 * Math.sqrt(sigma[i * D + i]! / n), `mean[${i}] = ${mean[i]}`);
    for (let j = 0; j < D; j++) {
      const s = sigma[i * D + j]!;
      const se = Math.sqrt((s * s + sigma[i * D + i]! * sigma[j * D + j]!) / n);
      assert.ok(Math.abs(cov[i * D + j]! - s) < 5 * se, `cov[${i},${j}] = ${cov[i * D + j]} vs ${s}`);
    }
  }
}

function snapshotOf(...classes: ClassGeometry[]): GeometrySnapshot {
  return { round: 0, dim: D, classes, withheld: [], noise: null };
}

test('draws around the prototype with every eigenpair have the class mean and covariance', () => {
  const g = knownGeometry(D, false);
  const n = 20000;
  const { z, labels, summary } = synthesizeForClient({
    realZ: new Float32Array(0),
    realLabels: [],
    snapshot: snapshotOf(g),
    targetPerClass: n,
    rng: new Rng(1),
  });
  assert.equal(labels.length, n);
  assert.deepEqual(summary.classes, [{ label: 0, real: 0, synthetic: n, around: 'prototype' }]);
  assertMomentsMatch(z, n, g.sigma);
});

test('top-3 eigenpairs plus the isotropic residual reproduce the covariance when the dropped eigenvalues are equal', () => {
  const g = knownGeometry(3, true);
  assert.equal(g.residualVariance, 0.5);
  const n = 20000;
  assertMomentsMatch(sampleAround(MU, g, n, new Rng(2)), n, g.sigma);
});

test('without the residual the draws have no variance outside the kept directions', () => {
  const g = knownGeometry(3, true);
  const z = sampleAround(MU, g, 500, new Rng(3), { includeResidual: false });
  const all = knownGeometry(D, false);
  for (const m of [3, 4]) {
    for (let r = 0; r < 500; r++) {
      let proj = 0;
      for (let j = 0; j < D; j++) proj += (z[r * D + j]! - MU[j]!) * all.eigenvectors[m * D + j]!;
      assert.ok(Math.abs(proj) < 1e-5, `draw ${r} leaves the kept subspace along direction ${m}`);
    }
  }
});

test('fills each class up to the largest real class, around real embeddings or the prototype, and reports missing classes', () => {
  // A shape with no variance makes every draw equal its centre, so the centres can be checked exactly.
  const flat = (label: number, prototype: Float32Array): ClassGeometry => ({
    label,
    count: 100,
    prototype,
    eigenvalues: new Float32Array(0),
    eigenvectors: new Float32Array(0),
    residualVariance: 0,
  });
  const proto2 = Float32Array.of(9, 9, 9, 9, 9);
  const snapshot = snapshotOf(flat(0, new Float32Array(D)), flat(1, new Float32Array(D)), flat(2, proto2));
  const realLabels = [0, 0, 0, 0, 0, 1, 1, 3];
  const realZ = Float32Array.from({ length: realLabels.length * D }, (_, i) => Math.floor(i / D));
  const result = synthesizeForClient({ realZ, realLabels, snapshot, targetPerClass: 'max', rng: new Rng(4), numClasses: 5 });
  assert.equal(result.summary.target, 5);
  assert.deepEqual(result.summary.classes, [
    { label: 0, real: 5, synthetic: 0, around: 'none' },
    { label: 1, real: 2, synthetic: 3, around: 'real' },
    { label: 2, real: 0, synthetic: 5, around: 'prototype' },
  ]);
  assert.deepEqual(result.summary.missingFromSnapshot, [3, 4]);
  assert.deepEqual([...result.labels], [1, 1, 1, 2, 2, 2, 2, 2]);
  // Class 1's three draws cycle through its two real rows (5 and 6): one is used twice, the other once.
  const centres = [0, 1, 2].map((r) => result.z[r * D]!).sort();
  assert.ok(
    JSON.stringify(centres) === '[5,5,6]' || JSON.stringify(centres) === '[5,6,6]',
    `centres ${centres}`,
  );
  for (let r = 3; r < 8; r++) assert.deepEqual([...result.z.subarray(r * D, (r + 1) * D)], [...proto2]);
});

test('a fixed target below a class size adds nothing to that class', () => {
  const g = knownGeometry(2, true);
  const realZ = new Float32Array(6 * D);
  const result = synthesizeForClient({ realZ, realLabels: [0, 0, 0, 0, 0, 0], snapshot: snapshotOf(g), targetPerClass: 4, rng: new Rng(5) });
  assert.equal(result.labels.length, 0);
  assert.equal(result.summary.classes[0]!.synthetic, 0);
});

test('embeddings whose size does not match the snapshot dimension are refused', () => {
  assert.throws(
    () => synthesizeForClient({ realZ: new Float32Array(7), realLabels: [0], snapshot: snapshotOf(knownGeometry(2, false)), targetPerClass: 2, rng: new Rng(6) }),
    /expected 1 x 5/,
  );
});
