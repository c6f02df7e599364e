import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GeoFedError } from '../../src/errors.ts';
import { classCounts } from '../../src/data/dataset.ts';
import { makeSynthetic } from '../../src/data/synthetic.ts';

test('synthetic: same seed gives identical data, another seed different data', () => {
  const a = makeSynthetic({ seed: 3, trainSize: 200, testSize: 50 });
  const b = makeSynthetic({ seed: 3, trainSize: 200, testSize: 50 });
  const c = makeSynthetic({ seed: 4, trainSize: 200, testSize: 50 });
  assert.deepEqual(a.train.x, b.train.x);
  assert.deepEqual(a.test.y, b.test.y);
  assert.notDeepEqual(a.train.x, c.train.x);
});

test('synthetic: shapes, balanced labels and the synthetic flag', () => {
  const d = makeSynthetic({ numClasses: 4, dim: 6, trainSize: 402, testSize: 40 });
  assert.equal(d.name, 'synthetic');
  assert.equal(d.synthetic, true);
  assert.deepEqual(d.inputShape, [6]);
  assert.equal(d.train.x.length, 402 * 6);
  assert.deepEqual(classCounts(d.train.y, 4), [101, 101, 100, 100]);
  assert.ok(d.train.x.buffer instanceof SharedArrayBuffer);
});

test('synthetic: class means have length `separation`', () => {
  const d = makeSynthetic({ separation: 5, dim: 8 });
  for (const m of d.truth.means) assert.ok(Math.abs(Math.hypot(...m) - 5) < 1e-9);
});

test('synthetic: the low-rank covariance has the given spectrum on its eigenvectors plus the noise floor', () => {
  const d = makeSynthetic({ dim: 5, covariance: { kind: 'lowrank', spectrum: [4, 1], noise: 0.5 } });
  const dim = 5;
  for (let c = 0; c < d.numClasses; c++) {
    const cov = d.truth.covariances[c]!;
    const { values, vectors } = d.truth.shapes[c]!;
    assert.deepEqual(values, [4, 1]);
    assert.ok(Math.abs(vectors[0]!.reduce((s, v, i) => s + v * vectors[1]![i]!, 0)) < 1e-12, 'eigenvectors orthogonal');
    vectors.forEach((u, r) => {
      let quad = 0;
      for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) quad += u[i]! * cov[i * dim + j]! * u[j]!;
      assert.ok(Math.abs(quad - (values[r]! + 0.25)) < 1e-9, `u^T S u = ${quad}`);
    });
  }
});

test('synthetic: sample means and covariances match the truth', () => {
  const dim = 4;
  const d = makeSynthetic({ numClasses: 2, dim, trainSize: 40_000, testSize: 10, covariance: { kind: 'lowrank', spectrum: [3], noise: 0.3 } });
  for (let c = 0; c < 2; c++) {
    const rows: number[] = [];
    for (let s = 0; s < d.train.n; s++) if (d.train.y[s] === c) rows.push(s);
    const mean = new Float64Array(dim);
    for (const s of rows) for (let i = 0; i < dim; i++) mean[i]! += d.train.x[s * dim + i]! / rows.length;
    const cov = new Float64Array(dim * dim);
    for (const s of rows) {
      for (let i = 0; i < dim; i++) {
        for (let j = 0; j < dim; j++) {
          cov[i * dim + j]! += ((d.train.x[s * dim + i]! - mean[i]!) * (d.train.x[s * dim + j]! - mean[j]!)) / rows.length;
        }
      }
    }
    mean.forEach((v, i) => assert.ok(Math.abs(v - d.truth.means[c]![i]!) < 0.05, `mean ${i}: ${v}`));
    cov.forEach((v, i) => assert.ok(Math.abs(v - d.truth.covariances[c]![i]!) < 0.12, `cov ${i}: ${v} vs ${d.truth.covariances[c]![i]}`));
  }
});

test('synthetic: sharedShape gives every class the same eigenvectors', () => {
  const d = makeSynthetic({ dim: 6, covariance: { kind: 'lowrank', spectrum: [2, 1], noise: 0.1, sharedShape: true } });
  for (const s of d.truth.shapes) assert.deepEqual(s.vectors, d.truth.shapes[0]!.vectors);
});

test('synthetic: bad parameters give a GeoFedError naming the field', () => {
  assert.throws(() => makeSynthetic({ dim: 3, covariance: { kind: 'lowrank', spectrum: [1, 1, 1, 1] } }), (e: unknown) => e instanceof GeoFedError && /covariance.spectrum: at most dim \(3\)/.test(e.message));
  assert.throws(() => makeSynthetic({ numClasses: 1 }), (e: unknown) => e instanceof GeoFedError && /numClasses/.test(e.message));
  assert.throws(() => makeSynthetic({ covariance: { kind: 'isotropic', sigma: 0 } }), (e: unknown) => e instanceof GeoFedError && /sigma/.test(e.message));
});
