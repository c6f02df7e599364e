// Backend selection: GeoFed's choice, GEOFED_BACKEND, explicit preferences, and what describeBackend reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend, type BackendInfo } from '../../src/tf/backend.ts';
import { isGeoFedError } from '../../src/errors.ts';

const run = promisify(execFile);
const PROBE = new URL('./fixtures/cnnStepProbe.ts', import.meta.url).pathname;

async function tfjsNodeInstalled(): Promise<boolean> {
  const specifier: string = '@tensorflow/tfjs-node';
  return import(specifier).then(
    () => true,
    () => false,
  );
}

async function probe(args: string[], env: Record<string, string>): Promise<BackendInfo> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', PROBE, ...args], {
    env: { ...process.env, GEOFED_LOG_LEVEL: 'silent', ...env },
  });
  return (JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { info: BackendInfo }).info;
}

// In-process tests run in order: the failures first (they leave nothing chosen), then the first real choice.
test('an unknown GEOFED_BACKEND is a GeoFedError naming the valid ones', async () => {
  process.env.GEOFED_BACKEND = 'gpu';
  try {
    await assert.rejects(initBackend(), (err) => isGeoFedError(err) && err.code === 'BAD_BACKEND' && /wasm-stock/.test(err.describe()));
  } finally {
    delete process.env.GEOFED_BACKEND;
  }
});

test('asking for tensorflow works only when @tensorflow/tfjs-node is installed and built', async () => {
  if (await tfjsNodeInstalled()) {
    assert.equal((await probe(['tensorflow'], { GEOFED_BACKEND: '' })).name, 'tensorflow');
  } else {
    await assert.rejects(initBackend('tensorflow'), (err) => isGeoFedError(err) && err.code === 'BACKEND_UNAVAILABLE');
  }
});

test('without a preference GeoFed picks tensorflow if present, else wasm with its kernels', async () => {
  const info = await initBackend();
  const native = await tfjsNodeInstalled();
  assert.equal(info.name, native ? 'tensorflow' : 'wasm');
  assert.equal(info.geofedKernels, !native);
  assert.equal(info.tfjsNode, native);
  assert.equal(info.tfjsVersion, tf.version.tfjs);
  assert.equal(tf.getBackend(), native ? 'tensorflow' : 'wasm');
});

test('initBackend is idempotent: a later call returns the first choice', async () => {
  const first = await initBackend();
  const second = await initBackend('cpu');
  assert.deepEqual(second, first);
  assert.deepEqual(describeBackend(), first);
});

test('GEOFED_BACKEND overrides the preference', async () => {
  const info = await probe(['wasm'], { GEOFED_BACKEND: 'cpu' });
  assert.equal(info.name, 'cpu');
  assert.equal(info.geofedKernels, false);
});

test('wasm-stock is the wasm backend without GeoFed kernels; wasm reports SIMD and no threads in Node', async () => {
  const [stock, geofed] = await Promise.all([
    probe(['wasm-stock'], { GEOFED_BACKEND: '' }),
    probe(['wasm'], { GEOFED_BACKEND: '' }),
  ]);
  assert.equal(stock.name, 'wasm-stock');
  assert.equal(stock.geofedKernels, false);
  assert.equal(geofed.geofedKernels, true);
  assert.equal(geofed.simd, true);
  assert.equal(geofed.threads, false);
});
