import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { simplexEtf } from '@geofed/shared/math/classifiers/etf';
import { Rng } from '@geofed/shared/math/rng';
import { makeSynthetic } from '@geofed/shared/data/synthetic';
import { buildModel } from '@geofed/shared/models/geoModel';
import type { LabelledFeatures } from '@geofed/shared/representation/features';
import { knnAccuracy } from '@geofed/shared/representation/knn';
import { linearProbeAccuracy } from '@geofed/shared/representation/linearProbe';
import { neuralCollapse } from '@geofed/shared/representation/neuralCollapse';
import { embedRows, representationQuality } from '@geofed/shared/representation/quality';
import { representationDue } from '@geofed/shared/representation/settings';
import { initBackend } from '@geofed/shared/tf/backend';

before(async () => {
  await initBackend('cpu');
});

/** `perClass` rows of each class, row = class mean (dim x K column-major in `means`) + `noise` * N(0, I). */
function clustered(means: Float64Array, dim: number, numClasses: number, perClass: number, noise: number, rng: Rng): LabelledFeatures {
  const n = numClasses * perClass;
  const x = new Float32Array(n * dim);
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const c = r % numClasses;
    y[r] = c;
    for (let j = 0; j < dim; j++) x[r * dim + j] = means[j * numClasses + c]! + noise * rng.normal();
  }
  return { x, y, dim };
}

test('NC1 is 0 for collapsed features and NC2 is 0 when the class means form a simplex ETF', () => {
  const rng = new Rng(1);
  const etf = simplexEtf(10, 16, rng);
  // Shifting every mean by the same vector changes neither statistic: the centre is the mean of the class means.
  const shifted = etf.map((v, i) => 3 * v + (i < 10 ? 5 : 0));
  const collapsed = neuralCollapse(clustered(shifted, 16, 10, 7, 0, rng), 10);
  assert.ok(collapsed.nc1 < 1e-10, `NC1 ${collapsed.nc1}`);
  assert.ok(collapsed.nc2 < 1e-6, `NC2 ${collapsed.nc2}`);
  assert.equal(collapsed.classes, 10);
});

test('NC1 equals the within-class variance over the between-class variance in a two-class 1-d case', () => {
  // Class 0 at -1 +- s, class 1 at +1 +- s: Sigma_W = s^2, Sigma_B = 1, NC1 = s^2 / K.
  const s = 0.3;
  const features = { x: Float32Array.of(-1 - s, -1 + s, 1 - s, 1 + s), y: Int32Array.of(0, 0, 1, 1), dim: 1 };
  assert.ok(Math.abs(neuralCollapse(features, 2).nc1 - (s * s) / 2) < 1e-6);
  // Two centred means are always antipodal: an exact 2-class simplex.
  assert.ok(neuralCollapse(features, 2).nc2 < 1e-6);
});

test('NC2 of collinear class means is the distance of their cosines from the simplex ETF', () => {
  // Means 0, 1, 3 on a line: centred at 4/3, their unit directions are -1, -1, +1, so G = [[1,1,-1],[1,1,-1],[-1,-1,1]].
  const features = { x: Float32Array.of(0, 0, 1, 0, 3, 0), y: Int32Array.of(0, 1, 2), dim: 2 };
  const d = (1 - Math.SQRT2) / 3;
  const a = (1 + Math.SQRT1_2) / 3;
  const b = (-1 + Math.SQRT1_2) / 3;
  assert.ok(Math.abs(neuralCollapse(features, 3).nc2 - Math.sqrt(3 * d * d + 2 * a * a + 4 * b * b)) < 1e-6);
});

test('neural collapse grows with the within-class spread and only counts the classes present', () => {
  const rng = new Rng(2);
  const means = simplexEtf(4, 6, rng);
  const tight = neuralCollapse(clustered(means, 6, 4, 50, 0.05, new Rng(3)), 4);
  const loose = neuralCollapse(clustered(means, 6, 4, 50, 0.5, new Rng(3)), 4);
  assert.ok(tight.nc1 > 0 && loose.nc1 > 50 * tight.nc1, `${tight.nc1} vs ${loose.nc1}`);
  const twoOfFour = { x: Float32Array.of(0, 1, 2, 3), y: Int32Array.of(1, 1, 3, 3), dim: 1 };
  assert.equal(neuralCollapse(twoOfFour, 4).classes, 2);
  assert.throws(() => neuralCollapse({ x: Float32Array.of(1, 2), y: Int32Array.of(0, 0), dim: 1 }, 3), /at least two classes/);
  assert.throws(() => neuralCollapse({ x: Float32Array.of(1, 2), y: Int32Array.of(0, 5), dim: 1 }, 3), /label 5, outside \[0, 3\)/);
});

test('the linear probe separates linearly separable classes; kNN also separates XOR, which no linear probe can', () => {
  const means = simplexEtf(5, 8, new Rng(4));
  const blobs = (seed: number) => clustered(means, 8, 5, 60, 0.1, new Rng(seed));
  assert.equal(linearProbeAccuracy(blobs(5), blobs(6), 5), 1);
  assert.equal(knnAccuracy(blobs(5), blobs(6), 5, 5), 1);
  // XOR: four tight corners of a square, diagonal corners share a class.
  const xor = (seed: number): LabelledFeatures => {
    const r = new Rng(seed);
    const n = 200;
    const x = new Float32Array(2 * n);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const sx = i % 2 === 0 ? 1 : -1;
      const sy = i % 4 < 2 ? 1 : -1;
      x[2 * i] = sx + 0.1 * r.normal();
      x[2 * i + 1] = sy + 0.1 * r.normal();
      y[i] = sx * sy > 0 ? 1 : 0;
    }
    return { x, y, dim: 2 };
  };
  assert.ok(linearProbeAccuracy(xor(7), xor(8), 2) <= 0.75);
  assert.equal(knnAccuracy(xor(7), xor(8), 2, 5), 1);
});

test('kNN breaks a tie in favour of the nearest neighbour', () => {
  // Test row at 0 degrees; train rows at 10 (class 1), 20 (class 0), 30 (class 0) and 40 (class 1) degrees: 2-2 with k = 4.
  const at = (deg: number) => [Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180)];
  const train = { x: Float32Array.from([10, 20, 30, 40].flatMap(at)), y: Int32Array.of(1, 0, 0, 1), dim: 2 };
  assert.equal(knnAccuracy(train, { x: Float32Array.from(at(0)), y: Int32Array.of(1), dim: 2 }, 2, 4), 1);
  assert.throws(() => knnAccuracy(train, train, 2, 5), /k <= 4/);
});

test("representationQuality scores a model's embeddings of real rows, the same for the same weights", () => {
  const data = makeSynthetic({ numClasses: 4, dim: 6, trainSize: 200, testSize: 100, seed: 9 });
  const model = buildModel({ type: 'mlp', hidden: [16] }, data, 3);
  const embedded = embedRows(model, data.train, 64, [5, 0, 199]);
  assert.equal(embedded.x.length, 3 * model.embeddingDim);
  assert.deepEqual([...embedded.y], [data.train.y[5], data.train.y[0], data.train.y[199]]);
  const rows = Int32Array.from({ length: 150 }, (_, i) => i);
  const first = representationQuality(model, data.train, rows, data.test, { neighbours: 5, batchSize: 64 });
  const again = representationQuality(model, data.train, rows, data.test, { neighbours: 5, batchSize: 64 });
  assert.deepEqual(again, first);
  for (const v of [first.linearProbeAccuracy, first.knnAccuracy]) assert.ok(v > 1 / 4 && v <= 1, `accuracy ${v}`);
  assert.ok(first.nc1 > 0 && Number.isFinite(first.nc1) && first.nc2 > 0 && first.nc2 < 2);
  model.dispose();
});

test('representation is scored after the last round and every k rounds when enabled, never when off', () => {
  const on = { enabled: true, every: 3, trainRows: 10, neighbours: 1 };
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].filter((r) => representationDue(on, r, 7)), [3, 6, 7]);
  assert.deepEqual([1, 2, 3].filter((r) => representationDue({ ...on, every: 0 }, r, 3)), [3]);
  assert.deepEqual([1, 2, 3].filter((r) => representationDue({ ...on, enabled: false }, r, 3)), []);
});
