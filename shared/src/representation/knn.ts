/**
 * k-nearest-neighbour accuracy of test embeddings against train embeddings, by cosine similarity (the usual
 * choice for representation read-outs: it ignores the embeddings' scale, which differs between methods). Each test
 * row takes the majority class of its k most similar train rows; a tie goes to the class of the most similar
 * neighbour among the tied classes.
 */
import * as tf from '@tensorflow/tfjs';
import { rowCount, type LabelledFeatures } from './features.ts';

/** Test rows scored per similarity matrix: bounds memory at this times the train rows. */
const TEST_BATCH = 500;

export function knnAccuracy(train: LabelledFeatures, test: LabelledFeatures, numClasses: number, k: number): number {
  const nTrain = rowCount(train);
  const nTest = rowCount(test);
  if (train.dim !== test.dim) throw new Error(`train embeddings are ${train.dim}-d but test embeddings ${test.dim}-d`);
  if (!(Number.isInteger(k) && k >= 1 && k <= nTrain)) throw new Error(`kNN needs 1 <= k <= ${nTrain} train rows, got k = ${k}`);
  const unit = (f: LabelledFeatures, from: number, to: number) => {
    const rows = tf.tensor2d(f.x.subarray(from * f.dim, to * f.dim), [to - from, f.dim]);
    return rows.div(rows.norm(2, 1, true).add(1e-12));
  };
  const trainUnit = tf.tidy(() => unit(train, 0, nTrain));
  let correct = 0;
  const votes = new Float64Array(numClasses);
  try {
    for (let from = 0; from < nTest; from += TEST_BATCH) {
      const to = Math.min(nTest, from + TEST_BATCH);
      const top = tf.tidy(() => tf.topk(unit(test, from, to).matMul(trainUnit, false, true), k).indices);
      const neighbours = top.dataSync();
      top.dispose();
      for (let r = 0; r < to - from; r++) {
        votes.fill(0);
        for (let i = 0; i < k; i++) votes[train.y[neighbours[r * k + i]!]!]!++;
        const most = Math.max(...votes);
        let best = -1;
        for (let i = 0; best < 0; i++) {
          const c = train.y[neighbours[r * k + i]!]!;
          if (votes[c] === most) best = c;
        }
        if (best === test.y[from + r]) correct++;
      }
    }
  } finally {
    trainUnit.dispose();
  }
  return correct / nTest;
}
