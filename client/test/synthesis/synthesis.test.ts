import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClassGeometry, GeometrySnapshot } from '@geofed/shared/geometry/snapshot';
import { orthonormalColumns } from '@geofed/shared/math/linalg';
import { Rng } from '@geofed/shared/math/rng';
import { initBackend } from '@geofed/shared/tf/backend';
import { drawPoolRows } from '../../src/synthesis/drawPoolRows.ts';
import { planSynthesis, type SynthesisPlan } from '../../src/synthesis/planSynthesis.ts';

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

/** Every row of the pool drawn once, in pool order. */
const drawAll = (plan: SynthesisPlan, rng: Rng) => drawPoolRows(plan, Int32Array.from({ length: plan.size }, (_, i) => i), rng);

/** `n` draws around MU with class shape `g` (a client holding none of the class, so every row uses the prototype). */
function drawsAroundPrototype(g: ClassGeometry, n: number, seed: number, includeResidual = true): Float32Array {
  const plan = planSynthesis({ realZ: new Float32Array(0), realLabels: [], snapshot: snapshotOf(g), targetPerClass: n, rng: new Rng(seed), includeResidual });
  return drawAll(plan, new Rng(seed + 100)).z;
}

before(async () => {
  await initBackend('cpu');
});

function snapshotOf(...classes: ClassGeometry[]): GeometrySnapshot {
  return { round: 0, dim: D, classes, withheld: [], noise: null };
}

test('draws around the prototype with every eigenpair have the class mean and covariance', () => {
  const g = knownGeometry(D, false);
  const n = 20000;
  const plan = planSynthesis({
    realZ: new Float32Array(0),
    realLabels: [],
    snapshot: snapshotOf(g),
    targetPerClass: n,
    rng: new Rng(1),
  });
  const { z, labels } = drawAll(plan, new Rng(11));
  assert.equal(labels.length, n);
  assert.deepEqual(plan.summary.classes, [{ label: 0, real: 0, synthetic: n, around: 'prototype' }]);
  assertMomentsMatch(z, n, g.sigma);
});

test('top-3 eigenpairs plus the isotropic residual reproduce the covariance when the dropped eigenvalues are equal', () => {
  const g = knownGeometry(3, true);
  assert.equal(g.residualVariance, 0.5);
  const n = 20000;
  assertMomentsMatch(drawsAroundPrototype(g, n, 2), n, g.sigma);
});

test('without the residual the draws have no variance outside the kept directions', () => {
  const g = knownGeometry(3, true);
  const z = drawsAroundPrototype(g, 500, 3, false);
  const all = knownGeometry(D, false);
  for (const m of [3, 4]) {
    for (let r = 0; r < 500; r++) {
      let proj = 0;
      for (let j = 0; j < D; j++) proj += (z[r * D + j]! - MU[j]!) * all.eigenvectors[m * D + j]!;
      // float32 matrix products: the projected-out part leaves rounding of ~1e-7 x |draw| (a few units) behind.
      assert.ok(Math.abs(proj) < 1e-4, `draw ${r} leaves the kept subspace along direction ${m}`);
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
  const plan = planSynthesis({ realZ, realLabels, snapshot, targetPerClass: 'max', rng: new Rng(4), numClasses: 5 });
  const result = { summary: plan.summary, ...drawAll(plan, new Rng(14)) };
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

test('rows asked for in any order come back in that order, each drawn around its own centre', () => {
  const flat = (label: number): ClassGeometry => ({
    label,
    count: 100,
    prototype: Float32Array.from({ length: D }, () => 10 * label),
    eigenvalues: new Float32Array(0),
    eigenvectors: new Float32Array(0),
    residualVariance: 0,
  });
  const realLabels = [0, 0, 0, 0];
  const realZ = Float32Array.from({ length: realLabels.length * D }, (_, i) => 1 + Math.floor(i / D));
  const plan = planSynthesis({ realZ, realLabels, snapshot: snapshotOf(flat(0), flat(1), flat(2)), targetPerClass: 'max', rng: new Rng(7) });
  assert.equal(plan.size, 8);
  const indices = Int32Array.of(7, 0, 4, 4, 3);
  const { z, labels } = drawPoolRows(plan, indices, new Rng(8));
  assert.deepEqual([...labels], [2, 1, 2, 2, 1]);
  indices.forEach((index, r) => assert.deepEqual([...z.subarray(r * D, (r + 1) * D)], [...plan.locate(index).centre]));
});

test('a fixed target below a class size adds nothing to that class', () => {
  const g = knownGeometry(2, true);
  const realZ = new Float32Array(6 * D);
  const plan = planSynthesis({ realZ, realLabels: [0, 0, 0, 0, 0, 0], snapshot: snapshotOf(g), targetPerClass: 4, rng: new Rng(5) });
  assert.equal(plan.size, 0);
  assert.equal(plan.summary.classes[0]!.synthetic, 0);
  assert.throws(() => drawPoolRows(plan, Int32Array.of(0), new Rng(15)), /outside \[0, 0\)/);
});

test('embeddings whose size does not match the snapshot dimension are refused', () => {
  assert.throws(
    () => planSynthesis({ realZ: new Float32Array(7), realLabels: [0], snapshot: snapshotOf(knownGeometry(2, false)), targetPerClass: 2, rng: new Rng(6) }),
    /expected 1 x 5/,
  );
});
