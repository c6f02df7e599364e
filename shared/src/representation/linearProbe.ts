/**
 * Linear probe: a multinomial logistic regression fitted on train embeddings and scored on test embeddings, the
 * standard read-out of how linearly separable a representation is. Features are standardised with the train
 * statistics (embeddings of different methods differ in scale by orders of magnitude), the weights start at 0 and
 * are fitted full-batch with Adam, so the probe is deterministic for given embeddings.
 */
import * as tf from '@tensorflow/tfjs';
import { rowCount, type LabelledFeatures } from './features.ts';

export interface LinearProbeSettings {
  readonly steps: number;
  readonly learningRate: number;
  /** L2 penalty on the weights (mean over the rows' losses plus this times the squared norm). */
  readonly l2: number;
}

export const DEFAULT_LINEAR_PROBE: LinearProbeSettings = { steps: 300, learningRate: 0.05, l2: 1e-4 };

/** Per-dimension mean and standard deviation of the train rows (1 where a dimension is constant, e.g. a dead ReLU). */
function standardiser(train: LabelledFeatures): { mean: Float32Array; scale: Float32Array } {
  const n = rowCount(train);
  const mean = new Float32Array(train.dim);
  const scale = new Float32Array(train.dim);
  for (let j = 0; j < train.dim; j++) {
    let s = 0;
    for (let r = 0; r < n; r++) s += train.x[r * train.dim + j]!;
    const m = s / n;
    let v = 0;
    for (let r = 0; r < n; r++) v += (train.x[r * train.dim + j]! - m) ** 2;
    mean[j] = m;
    scale[j] = v > 0 ? Math.sqrt(v / n) : 1;
  }
  return { mean, scale };
}

/** Test accuracy of a logistic regression fitted on `train`. */
export function linearProbeAccuracy(
  train: LabelledFeatures,
  test: LabelledFeatures,
  numClasses: number,
  settings: LinearProbeSettings = DEFAULT_LINEAR_PROBE,
): number {
  const nTrain = rowCount(train);
  const nTest = rowCount(test);
  if (train.dim !== test.dim) throw new Error(`train embeddings are ${train.dim}-d but test embeddings ${test.dim}-d`);
  if (nTrain === 0 || nTest === 0) throw new Error('the linear probe needs train and test rows');
  const { mean, scale } = standardiser(train);
  const weights = tf.variable(tf.zeros([train.dim, numClasses]));
  const bias = tf.variable(tf.zeros([numClasses]));
  const optimizer = tf.train.adam(settings.learningRate);
  try {
    const standardise = (f: LabelledFeatures, n: number) =>
      tf.tidy(() => tf.tensor2d(f.x, [n, f.dim]).sub(tf.tensor1d(mean)).div(tf.tensor1d(scale)));
    const xTrain = standardise(train, nTrain);
    const yTrain = tf.tidy(() => tf.oneHot(tf.tensor1d(train.y, 'int32'), numClasses));
    for (let step = 0; step < settings.steps; step++) {
      optimizer.minimize(() => {
        const logits = xTrain.matMul(weights).add(bias);
        return tf.losses.softmaxCrossEntropy(yTrain, logits).add(weights.square().sum().mul(settings.l2)) as tf.Scalar;
      });
    }
    tf.dispose([xTrain, yTrain]);
    const predicted = tf.tidy(() => standardise(test, nTest).matMul(weights).add(bias).argMax(1));
    const labels = predicted.dataSync();
    predicted.dispose();
    let correct = 0;
    for (let r = 0; r < nTest; r++) if (labels[r] === test.y[r]) correct++;
    return correct / nTest;
  } finally {
    optimizer.dispose();
    tf.dispose([weights, bias]);
  }
}
