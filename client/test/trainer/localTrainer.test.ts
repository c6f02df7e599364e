import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { trainLocal, type ClientData } from '@geofed/client/trainer/localTrainer';
import { localTrainSchema } from '@geofed/shared/config/localTrain';
import { makeSynthetic } from '@geofed/shared/data/synthetic';
import { buildModel } from '@geofed/shared/models/geoModel';
import { evaluate } from '@geofed/shared/models/evaluate';
import { initBackend } from '@geofed/shared/tf/backend';

const data = makeSynthetic({ numClasses: 4, dim: 8, trainSize: 400, testSize: 200, seed: 3 });
const client: ClientData = { split: data.train, indices: Int32Array.from({ length: 200 }, (_, i) => i) };
const settings = localTrainSchema.parse({ epochs: 1, batchSize: 16, lr: 0.1 });
const newModel = () => buildModel({ type: 'head', hidden: 16 }, data, 1);

function distance(a: Float32Array[], b: Float32Array[]): number {
  let s = 0;
  a.forEach((t, i) => t.forEach((v, j) => (s += (v - b[i]![j]!) ** 2)));
  return Math.sqrt(s);
}

before(async () => {
  await initBackend('cpu');
});

test('local training lowers the loss and raises accuracy on the client data', async () => {
  const model = newModel();
  const start = model.getWeights();
  const before = evaluate(model, data.test).accuracy;
  const result = await trainLocal(model, start, client, { ...settings, epochs: 5, seed: 1 });
  model.setWeights(result.weights);
  assert.ok(evaluate(model, data.test).accuracy > before + 0.2, 'accuracy should rise by 20 points');
  assert.equal(result.numSamples, 200);
  assert.equal(result.steps, 5 * Math.ceil(200 / 16));
  model.dispose();
});

test('the same seed gives identical weights; another seed different ones', async () => {
  const model = newModel();
  const start = model.getWeights();
  const a = await trainLocal(model, start, client, { ...settings, seed: 7 });
  const b = await trainLocal(model, start, client, { ...settings, seed: 7 });
  const c = await trainLocal(model, start, client, { ...settings, seed: 8 });
  assert.equal(distance(a.weights, b.weights), 0);
  assert.ok(distance(a.weights, c.weights) > 0);
  model.dispose();
});

test('the FedProx term keeps the weights closer to the global model', async () => {
  const model = newModel();
  const start = model.getWeights();
  const free = await trainLocal(model, start, client, { ...settings, epochs: 3, seed: 2 });
  const prox = await trainLocal(model, start, client, { ...settings, epochs: 3, proximalMu: 5, seed: 2 });
  assert.ok(distance(prox.weights, start) < 0.8 * distance(free.weights, start));
  model.dispose();
});

test('no tensor is left behind across many rounds (sgd with momentum, adam, prox)', async () => {
  const model = newModel();
  let weights = model.getWeights();
  const counts: number[] = [];
  for (let round = 0; round < 6; round++) {
    const optimizer = round % 2 === 0 ? 'sgd' : 'adam';
    const result = await trainLocal(model, weights, client, { ...settings, optimizer, momentum: 0.9, proximalMu: 0.01, weightDecay: 1e-4, seed: round });
    weights = result.weights;
    counts.push(tf.memory().numTensors);
  }
  assert.deepEqual(new Set(counts).size, 1, `tensor counts per round: ${counts.join(', ')}`);
  model.dispose();
});

test('a client without samples is refused with a reason', async () => {
  const model = newModel();
  await assert.rejects(
    trainLocal(model, model.getWeights(), { split: data.train, indices: new Int32Array(0) }, { ...settings, seed: 0 }),
    /no samples/,
  );
  model.dispose();
});
