import * as tf from '@tensorflow/tfjs';
import type { GeometrySnapshot } from '@geofed/shared/geometry/snapshot';
import type { Rng } from '@geofed/shared/math/rng';
import type { GeoModel } from '@geofed/shared/models/geoModel';
import { drawPoolRows } from '../synthesis/drawPoolRows.ts';
import type { SynthesisPlan } from '../synthesis/planSynthesis.ts';

/**
 * Balanced softmax: cross-entropy on logits + log p_k(c), with p_k the client's own class prior, so a client's
 * skew does not bend the shared classifier. Classes the client lacks get a prior at most `bound` nats below its
 * largest class (a log of ~0 would push their logits up without limit).
 */
export function logPrior(counts: readonly number[], bound: number): Float32Array {
  const total = counts.reduce((a, b) => a + b, 0);
  const logs = counts.map((c) => Math.log(Math.max(c, 1e-12) / total));
  const floor = Math.max(...logs) - bound;
  return Float32Array.from(logs, (l) => Math.max(l, floor));
}

export function balancedSoftmaxLoss(prior: Float32Array) {
  return (logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar =>
    tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1]), logits.add(tf.tensor1d(prior))) as tf.Scalar;
}

/**
 * FedProto-style alignment in a scale-free form: weight * mean(1 - cos(z, mu_y)) over samples whose class has a
 * pooled prototype. (A squared distance on raw z lets the network shrink every feature to cut the loss.)
 */
export function prototypeAlignment(snapshot: GeometrySnapshot, numClasses: number, weight: number) {
  const d = snapshot.dim;
  const table = new Float32Array(numClasses * d);
  const known = new Float32Array(numClasses);
  for (const c of snapshot.classes) {
    let norm = 0;
    for (const v of c.prototype) norm += v * v;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < d; i++) table[c.label * d + i] = c.prototype[i]! / norm;
    known[c.label] = 1;
  }
  return (z: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar => {
    const protos = tf.gather(tf.tensor2d(table, [numClasses, d]), labels);
    const mask = tf.gather(tf.tensor1d(known), labels);
    const cos = tf.sum(tf.mul(tf.div(z, tf.norm(z, 2, 1, true).add(1e-12)), protos), 1);
    const count = tf.maximum(tf.sum(mask), 1);
    return tf.div(tf.sum(tf.mul(tf.sub(1, cos), mask)), count).mul(weight) as tf.Scalar;
  };
}

/** Synthetic rows drawn per refill: large enough that the per-class matrix products are efficient. */
const SYNTHETIC_CHUNK_ROWS = 1024;

/**
 * Trains the head on synthetic embeddings alongside the real batch: each step takes `batch` rows drawn uniformly
 * (with replacement) from the client's balanced synthetic pool and adds their classification loss. The rows are
 * constants, so only the head learns from them; the backbone trains on real data alone.
 */
export function syntheticHeadLoss(
  model: GeoModel,
  pool: SynthesisPlan,
  batch: number,
  rng: Rng,
  classification: (logits: tf.Tensor2D, labels: tf.Tensor1D) => tf.Scalar,
) {
  const d = model.embeddingDim;
  const zBatch = new Float32Array(batch * d);
  const yBatch = new Int32Array(batch);
  let chunk: { z: Float32Array; labels: Int32Array } = { z: new Float32Array(0), labels: new Int32Array(0) };
  let next = 0;
  return (): tf.Scalar => {
    for (let r = 0; r < batch; r++) {
      if (next === chunk.labels.length) {
        chunk = drawPoolRows(pool, Int32Array.from({ length: SYNTHETIC_CHUNK_ROWS }, () => rng.int(pool.size)), rng);
        next = 0;
      }
      zBatch.set(chunk.z.subarray(next * d, (next + 1) * d), r * d);
      yBatch[r] = chunk.labels[next++]!;
    }
    const logits = model.classify(tf.tensor2d(zBatch, [batch, d]));
    return classification(logits, tf.tensor1d(yBatch, 'int32'));
  };
}
