import * as tf from '@tensorflow/tfjs';
import { gatherRows } from '../data/batch.ts';
import type { Split } from '../data/dataset.ts';
import type { GeoModel } from '../models/geoModel.ts';
import { sizeOf } from '../tensor/weights.ts';
import type { LabelledFeatures } from './features.ts';
import { knnAccuracy } from './knn.ts';
import { linearProbeAccuracy } from './linearProbe.ts';
import { neuralCollapse } from './neuralCollapse.ts';

/** The names result.json uses (`final.*` and per-round entries). */
export interface RepresentationQuality {
  readonly linearProbeAccuracy: number;
  readonly knnAccuracy: number;
  readonly nc1: number;
  readonly nc2: number;
}

/** The backbone's embeddings z of `indices` of `split` (all rows when omitted), in batches of `batchSize`. */
export function embedRows(model: GeoModel, split: Split, batchSize: number, indices?: ArrayLike<number>): LabelledFeatures {
  const featureSize = sizeOf(model.inputShape);
  const order = indices ?? Int32Array.from({ length: split.n }, (_, i) => i);
  const dim = model.embeddingDim;
  const x = new Float32Array(order.length * dim);
  const y = new Int32Array(order.length);
  const batch = new Float32Array(Math.min(batchSize, order.length) * featureSize);
  for (let start = 0; start < order.length; start += batchSize) {
    const end = Math.min(order.length, start + batchSize);
    const rows = gatherRows(split, featureSize, order, start, end, batch, y.subarray(start, end));
    const z = tf.tidy(() => model.embed(tf.tensor(batch.subarray(0, rows * featureSize), [rows, ...model.inputShape])));
    x.set(z.dataSync(), start * dim);
    z.dispose();
  }
  return { x, y, dim };
}

/**
 * Scores the model's current backbone: a linear probe and a kNN classifier fitted on the train rows' embeddings
 * and scored on the test embeddings, and the neural-collapse statistics of the train embeddings.
 */
export function representationQuality(
  model: GeoModel,
  train: Split,
  trainRows: ArrayLike<number>,
  test: Split,
  options: { neighbours: number; batchSize: number },
): RepresentationQuality {
  const trainFeatures = embedRows(model, train, options.batchSize, trainRows);
  const testFeatures = embedRows(model, test, options.batchSize);
  const { nc1, nc2 } = neuralCollapse(trainFeatures, model.numClasses);
  return {
    linearProbeAccuracy: linearProbeAccuracy(trainFeatures, testFeatures, model.numClasses),
    knnAccuracy: knnAccuracy(trainFeatures, testFeatures, model.numClasses, options.neighbours),
    nc1,
    nc2,
  };
}
