// A CNN training step on GeoFed's wasm kernels: same result as the cpu backend, no leaked tensors, and the stock
// wasm backend cannot take the step at all.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/tf/backend.ts';
import { Rng } from '../../src/math/rng.ts';
import { cnnSgdStep, randomBatch, randomCnnParams, type CnnWidths } from './cnn.ts';

const run = promisify(execFile);
const PROBE = new URL('./fixtures/cnnStepProbe.ts', import.meta.url).pathname;

before(async () => {
  await initBackend('wasm');
});

function maxRelativeError(actual: Float32Array, expected: Float32Array): number {
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / scale;
}

test('a CNN SGD step on GeoFed wasm matches the cpu backend', async () => {
  const rng = new Rng('cnn-step');
  const narrow: CnnWidths = { conv1: 8, conv2: 16, dense: 64 };
  const params = randomCnnParams(rng, narrow);
  const { images, labels } = randomBatch(rng, 3);
  await tf.setBackend('cpu');
  const cpu = cnnSgdStep(params, images, labels, 0.1, narrow);
  await tf.setBackend('wasm');
  const wasm = cnnSgdStep(params, images, labels, 0.1, narrow);
  assert.ok(Math.abs(wasm.loss - cpu.loss) <= 1e-4 * Math.abs(cpu.loss), `loss ${wasm.loss} vs ${cpu.loss}`);
  // Compare the updates (new - old), which are what the kernels compute.
  cpu.params.forEach((expected, i) => {
    const delta = (p: Float32Array) => p.map((v, j) => v - params[i][j]);
    const err = maxRelativeError(delta(wasm.params[i]), delta(expected));
    assert.ok(err <= 1e-4, `parameter ${i}: relative error of the update ${err}`);
  });
});

test('CNN steps on GeoFed wasm leave no tensors behind', async () => {
  await tf.setBackend('wasm');
  const rng = new Rng('cnn-leak');
  let params = randomCnnParams(rng);
  const { images, labels } = randomBatch(rng, 2);
  params = cnnSgdStep(params, images, labels, 0.01).params;
  const dataIds = tf.engine().backend.numDataIds();
  const tensors = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) params = cnnSgdStep(params, images, labels, 0.01).params;
  assert.equal(tf.engine().backend.numDataIds(), dataIds);
  assert.equal(tf.memory().numTensors, tensors);
});

async function probe(backend: string): Promise<{ info: { name: string }; step?: { ok: boolean; error?: string } }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', PROBE, backend, 'step'], {
    env: { ...process.env, GEOFED_LOG_LEVEL: 'silent', GEOFED_BACKEND: '' },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
}

test('the stock wasm backend cannot take a CNN training step (no Conv2DBackpropFilter)', async () => {
  const { info, step } = await probe('wasm-stock');
  assert.equal(info.name, 'wasm-stock');
  assert.equal(step?.ok, false);
  assert.match(step?.error ?? '', /Conv2DBackpropFilter/);
});
