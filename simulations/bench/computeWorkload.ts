/**
 * One backend's share of `npm run bench:compute`, run in a child process (tfjs backends share global state):
 * trains each model for a fixed number of SGD steps after a warm-up and prints one JSON line of samples/s.
 * Usage: node --import tsx simulations/bench/computeWorkload.ts <backend> <model,...>
 */
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend, type BackendInfo } from '@geofed/shared/tf/backend';
import type { BackendName } from '@geofed/shared/tf/backendNames';
import { Rng } from '@geofed/shared/math/rng';
import { isGeoFedError } from '@geofed/shared/errors';

export const BATCH = 32;
export const MODEL_NAMES = ['mlp', 'cnn', 'head'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** Per model: input shape, how to build it, and how many steps make a measurement (slow backends get fewer). */
const MODELS: Record<ModelName, { input: number[]; build: () => tf.Sequential; steps: number; slowSteps: number }> = {
  mlp: { input: [784], build: () => dense([784, 200, 200, 10]), steps: 300, slowSteps: 10 },
  head: { input: [512], build: () => dense([512, 256, 10]), steps: 400, slowSteps: 20 },
  cnn: { input: [28, 28, 1], build: cnn, steps: 5, slowSteps: 2 },
};
// V8 first runs wasm through its baseline compiler and swaps in optimised code for hot functions a little later;
// a handful of warm-up steps measured that start-up rather than the steady state a training run lives in.
export const WARMUP_STEPS = 20;
export const REPEATS = 3;

/** Steps per timed run on a fast backend, for the PyTorch side to do the same work. */
export const FAST_STEPS = Object.fromEntries(MODEL_NAMES.map((m) => [m, MODELS[m].steps])) as Record<ModelName, number>;

function dense(widths: number[]): tf.Sequential {
  const model = tf.sequential();
  for (let i = 1; i < widths.length; i++) {
    const last = i === widths.length - 1;
    model.add(
      tf.layers.dense({
        units: widths[i],
        activation: last ? 'softmax' : 'relu',
        ...(i === 1 ? { inputShape: [widths[0]] } : {}),
      }),
    );
  }
  return model;
}

function cnn(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 5, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 64, kernelSize: 5, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 512, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  return model;
}

export type Measurement =
  | { ok: true; samplesPerSecond: number; steps: number; params: number }
  | { ok: false; error: string };

export type WorkloadResult =
  | { backend: BackendInfo; models: Partial<Record<ModelName, Measurement>> }
  | { error: string };

async function measure(name: ModelName, slow: boolean): Promise<Measurement> {
  const spec = MODELS[name];
  const model = spec.build();
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
  const rng = new Rng(`bench-${name}`);
  const inputSize = spec.input.reduce((a, b) => a * b, 1);
  const batches = Array.from({ length: 4 }, () => {
    const x = tf.tensor(Float32Array.from({ length: BATCH * inputSize }, () => rng.normal()), [BATCH, ...spec.input]);
    const y = tf.oneHot(tf.tensor1d(Array.from({ length: BATCH }, () => rng.int(10)), 'int32'), 10);
    return { x, y };
  });
  const step = async (i: number) => {
    const { x, y } = batches[i % batches.length];
    await model.trainOnBatch(x, y);
  };
  const steps = slow ? spec.slowSteps : spec.steps;
  try {
    for (let i = 0; i < WARMUP_STEPS; i++) await step(i);
    // The best of a few repeats: other processes share the two cores and only ever slow a run down.
    let best = 0;
    for (let r = 0; r < REPEATS; r++) {
      const start = performance.now();
      for (let i = 0; i < steps; i++) await step(i);
      best = Math.max(best, (steps * BATCH) / ((performance.now() - start) / 1000));
    }
    return { ok: true, samplesPerSecond: best, steps, params: model.countParams() };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    model.dispose();
    tf.dispose(batches.flatMap((b) => [b.x, b.y]));
  }
}

async function main(): Promise<void> {
  const [backend, modelList] = process.argv.slice(2);
  try {
    await initBackend(backend as BackendName);
  } catch (err) {
    console.log(JSON.stringify({ error: isGeoFedError(err) ? err.describe() : String(err) } satisfies WorkloadResult));
    return;
  }
  const info = describeBackend();
  const slow = info.name === 'cpu' || info.name === 'wasm-stock';
  const models: Partial<Record<ModelName, Measurement>> = {};
  for (const name of modelList.split(',') as ModelName[]) models[name] = await measure(name, slow);
  console.log(JSON.stringify({ backend: info, models } satisfies WorkloadResult));
}

if (process.argv[1] === new URL(import.meta.url).pathname) await main();
