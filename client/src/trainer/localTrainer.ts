import * as tf from '@tensorflow/tfjs';
import type { Split } from '@geofed/shared/data/dataset';
import { gatherRows } from '@geofed/shared/data/batch';
import { Rng } from '@geofed/shared/math/rng';
import type { GeoModel, ModelPart } from '@geofed/shared/models/geoModel';
import type { WeightList } from '@geofed/shared/tensor/weights';
import { sizeOf } from '@geofed/shared/tensor/weights';
import type { LocalTrainConfig } from '@geofed/shared/config/localTrain';

/** A client's local data: indices into a shared split, never a copy of it. */
export interface ClientData {
  readonly split: Split;
  readonly indices: Int32Array;
  /** Applied in place to each batch of features (domain skew: rotation, noise ...). */
  readonly transform?: (features: Float32Array, rows: number) => void;
}

/**
 * Extra terms a method adds to the loss of one batch (prototype alignment, balanced softmax ...).
 * Returned tensors are scalars; they are created inside the step's tidy scope.
 */
export interface LossTerms {
  /** Replaces the default cross-entropy of logits against labels. */
  classification?(logits: tf.Tensor2D, labels: tf.Tensor1D, z: tf.Tensor2D): tf.Scalar;
  /** Added to the loss. */
  extra?(z: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar;
}

export interface LocalTrainResult {
  weights: WeightList;
  numSamples: number;
  steps: number;
  metrics: { trainLoss: number; seconds: number; samplesPerSecond?: number };
}

function makeOptimizer(cfg: LocalTrainConfig): tf.Optimizer {
  if (cfg.optimizer === 'adam') return tf.train.adam(cfg.lr);
  return cfg.momentum > 0 ? tf.train.momentum(cfg.lr, cfg.momentum) : tf.train.sgd(cfg.lr);
}

/** tfjs 4.22's MomentumOptimizer.dispose() skips SGDOptimizer's, leaking its learning-rate scalar each round. */
function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  if (optimizer instanceof tf.MomentumOptimizer) {
    const rate = (optimizer as unknown as { c?: tf.Tensor }).c;
    if (rate && !rate.isDisposed) rate.dispose();
  }
}

/** Keeps long local training from starving the event loop (socket heartbeats, progress) for more than ~100 ms. */
async function yieldEvery(ms: number, last: { t: number }): Promise<void> {
  const now = performance.now();
  if (now - last.t < ms) return;
  last.t = now;
  await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Local training as every GeoFed client does it: start from the global weights, run `epochs` passes of
 * mini-batch SGD/Adam over the client's own samples in a seeded order, optionally with FedProx's proximal term
 * and weight decay, and return the new weights. Every tensor created here is released before returning.
 */
export async function trainLocal(
  model: GeoModel,
  global: WeightList,
  data: ClientData,
  cfg: LocalTrainConfig,
  terms: LossTerms = {},
  trainParts: readonly ModelPart[] = ['backbone', 'head'],
): Promise<LocalTrainResult> {
  const started = performance.now();
  model.setWeights(global);
  const n = data.indices.length;
  if (n === 0) throw new Error('cannot train on a client with no samples');
  const featureSize = sizeOf(model.inputShape);
  const batchSize = Math.min(cfg.batchSize, n);
  const features = new Float32Array(batchSize * featureSize);
  const labels = new Int32Array(batchSize);
  const order = Int32Array.from(data.indices);
  const rng = new Rng(cfg.seed);
  const trainable = trainParts.flatMap((part) => model.variables(part));
  const anchors = cfg.proximalMu > 0 ? trainable.map((v) => tf.keep(v.clone())) : [];
  const optimizer = makeOptimizer(cfg);
  let lossSum = tf.keep(tf.scalar(0));
  let steps = 0;
  const lastYield = { t: performance.now() };

  try {
    for (let epoch = 0; epoch < cfg.epochs; epoch++) {
      rng.shuffle(order);
      for (let start = 0; start < n; start += batchSize) {
        const rows = gatherRows(data.split, featureSize, order, start, Math.min(n, start + batchSize), features, labels);
        data.transform?.(features, rows);
        const next = tf.tidy(() => {
          const x = tf.tensor(features.subarray(0, rows * featureSize), [rows, ...model.inputShape]);
          const y = tf.tensor1d(labels.subarray(0, rows), 'int32');
          const cost = optimizer.minimize(
            () => {
              const z = model.embed(x);
              const logits = model.classify(z);
              let loss = terms.classification
                ? terms.classification(logits, y, z)
                : tf.losses.softmaxCrossEntropy(tf.oneHot(y, model.numClasses), logits);
              if (terms.extra) loss = loss.add(terms.extra(z, y));
              if (cfg.weightDecay > 0) {
                loss = loss.add(tf.addN(trainable.map((v) => tf.sum(tf.square(v)))).mul(cfg.weightDecay / 2));
              }
              if (anchors.length > 0) {
                const drift = tf.addN(trainable.map((v, i) => tf.sum(tf.squaredDifference(v, anchors[i]!))));
                loss = loss.add(drift.mul(cfg.proximalMu / 2));
              }
              return loss as tf.Scalar;
            },
            true,
            trainable,
          )!;
          return lossSum.add(cost.mul(rows)) as tf.Scalar;
        });
        lossSum.dispose();
        lossSum = tf.keep(next);
        steps++;
        await yieldEvery(100, lastYield);
      }
    }
    const trainLoss = (await lossSum.data())[0]! / (n * cfg.epochs);
    const seconds = (performance.now() - started) / 1000;
    return {
      weights: model.getWeights(),
      numSamples: n,
      steps,
      // A step timed at zero (coarse or virtual clocks, e.g. headless browsers) has no finite rate: it is left out,
      // since metrics must be finite on the wire.
      metrics: { trainLoss, seconds, ...(seconds > 0 ? { samplesPerSecond: (n * cfg.epochs) / seconds } : {}) },
    };
  } finally {
    lossSum.dispose();
    disposeOptimizer(optimizer);
    for (const a of anchors) a.dispose();
  }
}
