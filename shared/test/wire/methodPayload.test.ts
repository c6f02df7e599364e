import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifierSchema, METHOD_NAMES, methodSchema, resolveMethod } from '../../src/config/method.ts';
import { localTrainSchema } from '../../src/config/localTrain.ts';
import type { ClientUpdate, RoundTask } from '../../src/federation/task.ts';
import type { GeometrySnapshot } from '../../src/geometry/snapshot.ts';
import { accumulateStats, createStats } from '../../src/geometry/stats.ts';
import { buildFixedClassifier } from '../../src/math/classifiers/index.ts';
import { Rng } from '../../src/math/rng.ts';
import { decodeEnvelope, encodeEnvelope } from '../../src/wire/codec.ts';
import { roundTaskFromWire, roundTaskToWire, updateFromWire, updateToWire } from '../../src/wire/federation.ts';
import { PROTOCOL_VERSION, type Payload, type Update as WireUpdate } from '../../src/wire/messages.ts';
import { classifierFromWire, classifierToWire, methodPlanFromWire, methodPlanToWire } from '../../src/wire/methodPayload.ts';

const K = 3;
const D = 4;
const specs = [
  { name: 'dense/kernel', shape: [2, D] },
  { name: 'dense/bias', shape: [D] },
];
const weights = [Float32Array.from({ length: 2 * D }, (_, i) => Math.cos(i)), new Float32Array(D).fill(0.5)];
const model = () => ({ weightSpecs: specs, numClasses: K, embeddingDim: D });
const train = localTrainSchema.parse({});
const plan = resolveMethod(methodSchema.parse({ name: 'geofed', synthesisTarget: 40 }), classifierSchema.parse({}));
const classifier = buildFixedClassifier({ type: 'etf', numClasses: K, dim: 8, seed: 3 });
const geometry: GeometrySnapshot = {
  round: 2,
  dim: D,
  classes: [
    {
      label: 0,
      count: 25,
      prototype: Float32Array.of(0.1, -0.2, 0.3, 0.4),
      eigenvalues: Float32Array.of(2, 0.5),
      eigenvectors: Float32Array.of(1, 0, 0, 0, 0, 1, 0, 0),
      residualVariance: 0.01,
    },
    { label: 2, count: 11, prototype: Float32Array.of(1, 1, 1, 1), eigenvalues: new Float32Array(), eigenvectors: new Float32Array(), residualVariance: 0 },
  ],
  withheld: [],
  noise: null,
};
const task: RoundTask = { round: 3, weights, train, seed: 5, payload: { method: plan, geometry } };
const wireOptions = { modelSpec: 'm', weightSpecs: specs, encoding: 'f32' as const, deadlineMs: 1000, classifier };

/** Through the real codec, as on a socket. */
function overTheWire<P extends Payload>(payload: P): P['value'] {
  const bytes = encodeEnvelope({ protocolVersion: PROTOCOL_VERSION, messageId: 'm-1', payload });
  return decodeEnvelope(bytes, { maxMessageBytes: 1 << 20 }).payload.value as P['value'];
}

function statistics(seed: number) {
  const rng = new Rng(seed);
  const z = Float32Array.from({ length: 30 * D }, () => rng.normal());
  return accumulateStats(createStats(K, D), z, Array.from({ length: 30 }, (_, i) => i % 2));
}

function wireUpdate(update: ClientUpdate): WireUpdate {
  const message = updateToWire(update, { round: 3, modelVersion: 2, weightSpecs: specs, encoding: 'f32', reference: weights });
  return overTheWire({ case: 'update', value: message });
}

test('a task with method plan, geometry and fixed classifier comes off the wire equal to what was sent', () => {
  const message = overTheWire({ case: 'roundTask', value: roundTaskToWire(task, wireOptions) });
  const received = roundTaskFromWire(message, model);
  assert.deepEqual(received.task, task);
  assert.deepEqual(received.classifier, classifier);
});

test('every method plan survives the flags and params of TrainingConfig', () => {
  for (const name of METHOD_NAMES) {
    for (const synthesisTarget of ['max', 7] as const) {
      const p = resolveMethod(methodSchema.parse({ name, synthesisTarget, prototypeWeight: 0.25 }), classifierSchema.parse({ type: 'ebv' }));
      assert.deepEqual(methodPlanFromWire(methodPlanToWire(p), 'test'), p);
    }
  }
  assert.equal(methodPlanFromWire({ flags: {}, params: { momentum: 0 } }, 'test'), undefined, 'no method flag, no plan');
});

test('a method plan naming two methods or an unknown one, or with a bad number, is refused with the reason', () => {
  const good = methodPlanToWire(plan);
  assert.throws(() => methodPlanFromWire({ ...good, flags: { ...good.flags, 'method/fedavg': true } }, 'round 1'), /name 2 methods/);
  assert.throws(() => methodPlanFromWire({ flags: { 'method/magic': true }, params: {} }, 'round 1'), { code: 'BAD_VALUE', message: /method plan: name/ });
  assert.throws(() => methodPlanFromWire({ ...good, params: { ...good.params, synthetic_ratio: -1 } }, 'round 1'), /syntheticRatio/);
});

test('an update with class statistics round-trips exactly', () => {
  const stats = statistics(1);
  const update: ClientUpdate = { clientId: 'c', numSamples: 30, weights, localSteps: 2, metrics: { trainLoss: 1 }, payload: { stats } };
  const back = updateFromWire(wireUpdate(update), specs, weights, { numClasses: K, dim: D });
  assert.deepEqual(back, update);
});

test('statistics of the wrong dimension, with negative counts or NaN are refused with the reason', () => {
  const update: ClientUpdate = { clientId: 'c', numSamples: 30, weights, payload: { stats: statistics(2) } };
  const message = wireUpdate(update);
  const shape = { numClasses: K, dim: D };
  const edit = (change: (s: NonNullable<WireUpdate['statistics']>) => void): WireUpdate => {
    const copy = structuredClone(message);
    change(copy.statistics!);
    return copy;
  };
  assert.throws(() => updateFromWire(message, specs, weights, { numClasses: K, dim: D + 1 }), { code: 'BAD_SHAPE', message: /dimension 4, the model's embeddings have 5/ });
  const shortSum = edit((s) => (s.classes[0]!.sum = s.classes[0]!.sum.subarray(0, D - 1)));
  assert.throws(() => updateFromWire(shortSum, specs, weights, shape), /class 0: sum must be a Float64Array of length 4/);
  assert.throws(() => updateFromWire(edit((s) => (s.classes[0]!.count = -3)), specs, weights, shape), /class 0: count -3 is below 1/);
  assert.throws(() => updateFromWire(edit((s) => (s.classes[1]!.sum[2] = Number.NaN)), specs, weights, shape), /class 1: sum\[2\] is NaN/);
  assert.throws(() => updateFromWire(edit((s) => (s.classes[0]!.label = K)), specs, weights, shape), /label 3, expected an integer in \[0, 3\)/);
  assert.throws(() => updateFromWire(message, specs, weights), /does not collect/);
});

test('a sender cannot put NaN statistics on the wire either', () => {
  const stats = statistics(3);
  stats.classes[0]!.outer[5] = Number.NaN;
  const update: ClientUpdate = { clientId: 'c', numSamples: 30, weights, payload: { stats } };
  assert.throws(() => updateToWire(update, { round: 1, modelVersion: 0, weightSpecs: specs, encoding: 'f32', reference: weights }), /not finite/);
});

test('geometry that does not fit the model is refused: dimension, label, negative count', () => {
  const message = roundTaskToWire(task, wireOptions);
  assert.throws(() => roundTaskFromWire(message, () => ({ ...model(), embeddingDim: D + 2 })), { code: 'BAD_SHAPE', message: /geometry: dimension 4, the model's embeddings have 6/ });
  assert.throws(() => roundTaskFromWire(message, () => ({ ...model(), numClasses: 2 })), /class 2: label is not an integer in \[0, 2\)/);
  const negative = structuredClone(message);
  negative.geometry!.classes[0]!.count = -1;
  assert.throws(() => roundTaskFromWire(negative, model), /class 0: count -1 is not a non-negative integer/);
  const nan = structuredClone(message);
  nan.geometry!.classes[1]!.prototype[0] = Number.NaN;
  assert.throws(() => roundTaskFromWire(nan, model), { code: 'NON_FINITE' });
});

test('a classifier is rebuilt from its spec when no weights are shipped, and matches the checksum', () => {
  for (const c of [classifier, buildFixedClassifier({ type: 'sparse-etf', numClasses: 4, dim: 6, seed: 9 })]) {
    const message = classifierToWire(c, false);
    assert.equal(message.weights, undefined);
    assert.equal(message.checksum.length, 32);
    assert.deepEqual(classifierFromWire(overTheWire({ case: 'roundTask', value: { ...roundTaskToWire(task, wireOptions), classifier: message } }).classifier!, 't'), c);
  }
});

test('a classifier whose checksum does not match is refused, shipped or rebuilt', () => {
  const shipped = classifierToWire(classifier, true);
  const tampered = structuredClone(shipped);
  tampered.weights!.tensors[0]!.data[0]! ^= 1;
  assert.throws(() => classifierFromWire(tampered, 'round 3'), { code: 'BAD_CHECKSUM', message: /round 3: fixed classifier: checksum of the shipped weights is [0-9a-f]{64}, the coordinator sent/ });
  const otherSeed = { ...classifierToWire(classifier, false), seed: 4 };
  assert.throws(() => classifierFromWire(otherSeed, 'round 3'), { code: 'BAD_CHECKSUM', message: /rebuilt from its spec/ });
  assert.throws(() => classifierFromWire({ ...shipped, params: { sparsity: 0.5 } }, 'round 3'), /fixed classifier: .*sparsity/);
});
