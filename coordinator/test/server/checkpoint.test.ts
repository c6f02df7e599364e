import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKPOINT_FILE, hasCheckpoint, loadCheckpoint, saveCheckpoint, weightsChecksum } from '@geofed/coordinator/checkpoint/checkpoint';
import type { EngineState } from '@geofed/coordinator/engine/roundEngine';

const specs = [
  { name: 'backbone/dense0/kernel', shape: [3, 2] },
  { name: 'backbone/dense0/bias', shape: [2] },
];
const state: EngineState = {
  round: 7,
  weights: [Float32Array.from([1, 2, 3, 4, 5, 6]), Float32Array.from([-1, 0.5])],
  strategy: { name: 'fedadam', round: 7, tensors: { m: [new Float32Array(6).fill(0.1), new Float32Array(2)], v: [] }, scalars: { beta1: 0.9 } },
  rng: [1, 2, 3, 4],
};
const dir = () => mkdtempSync(join(tmpdir(), 'geofed-checkpoint-'));

test('a checkpoint restores the weights, strategy state, RNG state and history exactly', () => {
  const d = dir();
  saveCheckpoint(d, specs, { engine: state, history: [{ round: 7, testAccuracy: 0.5 }], modelSpec: '{"type":"mlp"}' });
  const loaded = loadCheckpoint(d, specs, '{"type":"mlp"}');
  assert.deepEqual(loaded.engine, state);
  assert.deepEqual(loaded.history, [{ round: 7, testAccuracy: 0.5 }]);
  assert.deepEqual(readdirSync(d), [CHECKPOINT_FILE], 'no temporary file is left behind');
});

test("a method's geometry (typed arrays) survives the checkpoint exactly", () => {
  const d = dir();
  const method = {
    snapshot: { round: 3, dim: 2, classes: [{ label: 1, count: 12, prototype: Float32Array.of(0.1, 1 / 3), eigenvalues: Float32Array.of(0.7), eigenvectors: Float32Array.of(0.6, 0.8), residualVariance: 0 }], withheld: [0], noise: null },
    service: { pool: { numClasses: 2, dim: 2, classes: [{ label: 0, count: 4, sum: Float64Array.of(Math.PI, -1e-300), outer: new Float64Array(4).fill(1 / 7) }] } },
  };
  saveCheckpoint(d, specs, { engine: { ...state, method }, history: [], modelSpec: 'm' });
  assert.deepEqual(loadCheckpoint(d, specs, 'm').engine.method, method);
});

test('a damaged checkpoint is refused by its checksum', () => {
  const d = dir();
  saveCheckpoint(d, specs, { engine: state, history: [], modelSpec: 'm' });
  const file = join(d, CHECKPOINT_FILE);
  const bytes = readFileSync(file);
  bytes[bytes.length - 40] ^= 0xff; // inside the weights' data
  writeFileSync(file, bytes);
  assert.throws(() => loadCheckpoint(d, specs, 'm'), /do not match their checksum/);
});

test('a checkpoint of another model is refused', () => {
  const d = dir();
  saveCheckpoint(d, specs, { engine: state, history: [], modelSpec: 'model-a' });
  assert.throws(() => loadCheckpoint(d, specs, 'model-b'), /was written for model model-a/);
  assert.throws(() => loadCheckpoint(d, [{ name: 'other', shape: [8] }], 'model-a'), /weights\/other is missing/);
  assert.throws(() => loadCheckpoint(dir(), specs, 'model-a'), /not found/);
});

test('the weights checksum depends on every value', () => {
  const a = weightsChecksum(state.weights);
  const changed = state.weights.map((w) => new Float32Array(w));
  changed[1]![1] = 0.5000001;
  assert.notEqual(weightsChecksum(changed), a);
  assert.match(a, /^[0-9a-f]{64}$/);
  assert.equal(hasCheckpoint(dir()), false);
});
