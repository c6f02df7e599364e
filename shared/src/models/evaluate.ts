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

/**
 * The evaluation of a run of whole batches. Batch losses are kept apart so that parts computed on several threads
 * combine, in batch order, to exactly the number one thread gets.
 */
export interface EvaluationPart {
  perClass: Array<[number, number]>;
  batchLosses: number[];
}

/**
 * Evaluates rows [`fromRow`, `toRow`) of `indices` (all rows of `split` when omitted) in batches of `batchSize`;
 * `fromRow` must be a multiple of `batchSize` so that the batches are the ones a single pass would make.
 */
export function evaluateRows(
  model: GeoModel,
  split: Split,
  batchSize: number,
  fromRow: number,
  toRow: number,
  indices?: ArrayLike<number>,
): EvaluationPart {
  if (fromRow % batchSize !== 0) throw new Error(`evaluation must start on a batch boundary, got row ${fromRow}`);
  const featureSize = sizeOf(model.inputShape);
  const order = indices ?? Int32Array.from({ length: split.n }, (_, i) => i);
  const end = Math.min(toRow, order.length);
  const capacity = Math.max(0, Math.min(batchSize, end - fromRow));
  const features = new Float32Array(capacity * featureSize);
  const labels = new Int32Array(capacity);
  const perClass: Array<[number, number]> = Array.from({ length: model.numClasses }, () => [0, 0]);
  const batchLosses: number[] = [];
  for (let start = fromRow; start < end; start += batchSize) {
    const rows = gatherRows(split, featureSize, order, start, Math.min(end, start + batchSize), features, labels);
    // Tensors out of tidy, values read after: tidy walks a returned typed array element by element.
    const [lossTensor, predictedTensor] = tf.tidy(() => {
      const x = tf.tensor(features.subarray(0, rows * featureSize), [rows, ...model.inputShape]);
      const y = tf.tensor1d(labels.subarray(0, rows), 'int32');
      const logits = model.logits(x);
      const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(y, model.numClasses), logits, undefined, undefined, tf.Reduction.SUM);
      return [ce, logits.argMax(1)];
    });
    const predicted = predictedTensor.dataSync() as Int32Array;
    batchLosses.push(lossTensor.dataSync()[0]!);
    tf.dispose([lossTensor, predictedTensor]);
    for (let r = 0; r < rows; r++) {
      const c = labels[r]!;
      perClass[c]![1]++;
      if (predicted[r] === c) perClass[c]![0]++;
    }
  }
  return { perClass, batchLosses };
}

/** Joins parts given in batch order into one evaluation. */
export function combineEvaluations(parts: readonly EvaluationPart[], numClasses: number): Evaluation {
  const perClass: Array<[number, number]> = Array.from({ length: numClasses }, () => [0, 0]);
  let lossSum = 0;
  for (const part of parts) {
    part.perClass.forEach(([correct, total], c) => {
      perClass[c]![0] += correct;
      perClass[c]![1] += total;
    });
    for (const loss of part.batchLosses) lossSum += loss;
  }
  const n = perClass.reduce((s, [, total]) => s + total, 0);
  const correct = perClass.reduce((s, [c]) => s + c, 0);
  return { accuracy: n === 0 ? 0 : correct / n, loss: n === 0 ? 0 : lossSum / n, perClass, n };
}

/** Accuracy and mean cross-entropy of `model` on `indices` of `split` (all rows when omitted). */
export function evaluate(model: GeoModel, split: Split, indices?: ArrayLike<number>, batchSize = 1000): Evaluation {
  const n = indices?.length ?? split.n;
  return combineEvaluations([evaluateRows(model, split, batchSize, 0, n, indices)], model.numClasses);
}

/** Splits `n` rows into at most `parts` contiguous runs of whole batches, as even as batches allow. */
export function batchRanges(n: number, batchSize: number, parts: number): Array<[number, number]> {
  const batches = Math.ceil(n / batchSize);
  const count = Math.max(1, Math.min(parts, batches));
  return Array.from({ length: count }, (_, p) => {
    const first = Math.floor((p * batches) / count);
    const last = Math.floor(((p + 1) * batches) / count);
    return [first * batchSize, Math.min(n, last * batchSize)] as [number, number];
  });
}
