import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GeoFedError } from '../../src/errors.ts';
import { datasetAvailability, datasetSpecSchema, loadDataset, loadTrainLabels } from '../../src/data/registry.ts';
import { FASHION_MNIST_SYSTEM_DIR } from '../../src/data/fashionMnist.ts';

test('registry: a synthetic spec loads the generated data set with its parameters', async () => {
  const d = await loadDataset({ name: 'synthetic', numClasses: 3, dim: 4, trainSize: 30, testSize: 6 });
  assert.equal(d.name, 'synthetic');
  assert.equal(d.numClasses, 3);
  assert.equal(d.train.n, 30);
});

test('registry: an unknown name lists the known data sets', async () => {
  await assert.rejects(
    loadDataset({ name: 'mnist' } as never),
    (e: unknown) => e instanceof GeoFedError && /unknown data set "mnist"/.test(e.message) && /fashion-mnist, synthetic, embeddings/.test(e.describe()),
  );
});

test('registry: the spec schema fills synthetic defaults and rejects unknown keys', () => {
  const spec = datasetSpecSchema.parse({ name: 'synthetic', dim: 8 });
  assert.deepEqual(spec, {
    name: 'synthetic',
    numClasses: 10,
    dim: 8,
    trainSize: 6000,
    testSize: 1000,
    separation: 3,
    covariance: { kind: 'isotropic', sigma: 1 },
    seed: 0,
  });
  assert.equal(datasetSpecSchema.safeParse({ name: 'fashion-mnist', extra: 1 }).success, false);
});

test('registry: training labels of Fashion-MNIST come without loading the images', async () => {
  const labels = await loadTrainLabels({ name: 'fashion-mnist' });
  assert.equal(labels.labels.length, 60_000);
  assert.equal(labels.numClasses, 10);
  assert.equal(labels.classNames[0], 'T-shirt/top');
  assert.deepEqual(labels.inputShape, [28, 28, 1]);
});

test('registry: availability reports where Fashion-MNIST was found', () => {
  const report = datasetAvailability({ HOME: '/nonexistent-home' });
  assert.deepEqual(report.find((r) => r.name === 'fashion-mnist'), { name: 'fashion-mnist', available: true, location: FASHION_MNIST_SYSTEM_DIR });
  assert.deepEqual(report.map((r) => r.name), ['fashion-mnist', 'synthetic', 'embeddings']);
});
