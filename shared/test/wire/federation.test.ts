import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localTrainSchema } from '../../src/config/localTrain.ts';
import type { ClientUpdate, RoundTask } from '../../src/federation/task.ts';
import { roundTaskFromWire, roundTaskToWire, updateFromWire, updateToWire } from '../../src/wire/federation.ts';

const specs = [
  { name: 'dense/kernel', shape: [4, 3] },
  { name: 'dense/bias', shape: [3] },
];
const weights = [Float32Array.from({ length: 12 }, (_, i) => Math.sin(i)), Float32Array.from([0.1, -0.2, 0.3])];
const train = localTrainSchema.parse({ epochs: 2, batchSize: 16, lr: 0.03, optimizer: 'sgd', momentum: 0.9, weightDecay: 1e-4, proximalMu: 0.01 });
const task: RoundTask = { round: 4, weights, train, seed: 77 };
const model = () => ({ weightSpecs: specs, numClasses: 3, embeddingDim: 4 });

test('a round task survives the wire with its weights, training settings and run seed', () => {
  const message = roundTaskToWire(task, { modelSpec: 'm', weightSpecs: specs, encoding: 'f32', deadlineMs: 5000 });
  const received = roundTaskFromWire(message, model);
  assert.deepEqual(received.task, task);
  assert.equal(received.modelVersion, 3);
  assert.deepEqual(received.weightSpecs, specs);
});

test('a task whose weights do not fit the client model is refused', () => {
  const message = roundTaskToWire(task, { modelSpec: 'm', weightSpecs: specs, encoding: 'f32', deadlineMs: 5000 });
  assert.throws(() => roundTaskFromWire(message, () => ({ ...model(), weightSpecs: [specs[0]!] })), { code: 'SPEC_MISMATCH' });
});

test('a lossy update travels as a delta and comes back close to the trained weights', () => {
  const trained = weights.map((w) => w.map((v) => v + 0.01));
  const update: ClientUpdate = { clientId: 'c', numSamples: 50, weights: trained, localSteps: 7, metrics: { trainLoss: 0.5 } };
  for (const encoding of ['f16', 'int8'] as const) {
    const message = updateToWire(update, { round: 4, modelVersion: 3, weightSpecs: specs, encoding, reference: weights });
    assert.equal(message.kind, 'delta');
    const back = updateFromWire(message, specs, weights);
    const error = Math.max(...back.weights.flatMap((w, i) => [...w].map((v, j) => Math.abs(v - trained[i]![j]!))));
    assert.ok(error < 1e-4, `${encoding}: max error ${error}`);
    assert.deepEqual({ ...back, weights: [] }, { ...update, weights: [] });
  }
});

test('an update claiming no samples is refused', () => {
  const message = updateToWire({ clientId: 'c', numSamples: 0, weights }, { round: 1, modelVersion: 0, weightSpecs: specs, encoding: 'f32', reference: weights });
  assert.throws(() => updateFromWire(message, specs, weights), /numSamples 0 is not an integer/);
});

test('a delta that overflows float32 on the reference is refused', () => {
  const near = [new Float32Array(12).fill(3e38), new Float32Array(3)];
  const message = updateToWire({ clientId: 'c', numSamples: 1, weights: near }, { round: 1, modelVersion: 0, weightSpecs: specs, encoding: 'f32', reference: near });
  assert.throws(() => updateFromWire({ ...message, kind: 'delta' }, specs, near), /overflows when the delta is applied/);
});
