import * as tf from '@tensorflow/tfjs';
import type { Split } from '../data/dataset.ts';
import { gatherRows } from '../data/batch.ts';
import { sizeOf } from '../tensor/weights.ts';
import type { GeoModel } from './geoModel.ts';

export interface Evaluation {
  accuracy: number;
  loss: number;
  /** Per class: [correct, total]. */
  perClass: Array<[number, number]>;
  n: number;
}

/** Accuracy and mean cross-entropy of `model` on `indices` of `split` (all rows when omitted). */
export function evaluate(model: GeoModel, split: Split, indices?: ArrayLike<number>, batchSize = 1000): Evaluation {
  const featureSize = sizeOf(model.inputShape);
  const order = indices ?? Int32Array.from({ length: split.n }, (_, i) => i);
  const n = order.length;
  const features = new Float32Array(Math.min(batchSize, n) * featureSize);
  const labels = new Int32Array(Math.min(batchSize, n));
  const perClass: Array<[number, number]> = Array.from({ length: model.numClasses }, () => [0, 0]);
  let lossSum = 0;
  for (let start = 0; start < n; start += batchSize) {
    const rows = gatherRows(split, featureSize, order, start, Math.min(n, start + batchSize), features, labels);
    const [loss, predicted] = tf.tidy(() => {
      const x = tf.tensor(features.subarray(0, rows * featureSize), [rows, ...model.inputShape]);
      const y = tf.tensor1d(labels.subarray(0, rows), 'int32');
      const logits = model.logits(x);
      const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(y, model.numClasses), logits, undefined, undefined, tf.Reduction.SUM);
      return [ce.dataSync()[0]!, logits.argMax(1).dataSync() as Int32Array];
    });
    lossSum += loss;
    for (let r = 0; r < rows; r++) {
      const c = labels[r]!;
      perClass[c]![1]++;
      if (predicted[r] === c) perClass[c]![0]++;
    }
  }
  const correct = perClass.reduce((s, [c]) => s + c, 0);
  return { accuracy: n === 0 ? 0 : correct / n, loss: n === 0 ? 0 : lossSum / n, perClass, n };
}
