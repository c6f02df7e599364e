// The benchmark CNN (conv5x5x32-pool-conv5x5x64-pool-dense512-dense10 on 28x28x1, 'same' padding, 1.66M parameters)
// written with plain ops, so a training step can start from the same weights on any backend.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../src/math/rng.ts';

/** Channel widths; the cpu backend's Conv2DBackpropFilter needs seconds per example at full width. */
export type CnnWidths = { conv1: number; conv2: number; dense: number };
export const FULL_WIDTHS: CnnWidths = { conv1: 32, conv2: 64, dense: 512 };

function paramShapes({ conv1, conv2, dense }: CnnWidths): number[][] {
  return [[5, 5, 1, conv1], [conv1], [5, 5, conv1, conv2], [conv2], [7 * 7 * conv2, dense], [dense], [dense, 10], [10]];
}

export function randomCnnParams(rng: Rng, widths: CnnWidths = FULL_WIDTHS): Float32Array[] {
  return paramShapes(widths).map((shape) => {
    const fanIn = shape.length === 1 ? 0 : shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const scale = fanIn === 0 ? 0 : Math.sqrt(2 / fanIn);
    return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * rng.normal());
  });
}

function cnnLoss(params: tf.Tensor[], x: tf.Tensor4D, labels: tf.Tensor2D): tf.Scalar {
  const [c1, b1, c2, b2, d1, bd1, d2, bd2] = params;
  const block = (input: tf.Tensor4D, filter: tf.Tensor, bias: tf.Tensor): tf.Tensor4D =>
    tf.maxPool(tf.relu(tf.add(tf.conv2d(input, filter as tf.Tensor4D, 1, 'same'), bias)) as tf.Tensor4D, 2, 2, 'valid');
  const features = block(block(x, c1, b1), c2, b2).reshape([x.shape[0], -1]);
  const hidden = tf.relu(tf.add(tf.matMul(features, d1), bd1));
  const logits = tf.add(tf.matMul(hidden, d2), bd2);
  return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
}

/** One SGD step on the current backend; returns the loss before the step and the updated parameters. */
export function cnnSgdStep(
  params: Float32Array[],
  images: Float32Array,
  labels: Float32Array,
  learningRate: number,
  widths: CnnWidths = FULL_WIDTHS,
): { loss: number; params: Float32Array[] } {
  const shapes = paramShapes(widths);
  // tidy returns tensors only: it walks whatever it returns, and walking 1.6M plain numbers takes seconds.
  const [loss, ...updated] = tf.tidy(() => {
    const batch = labels.length / 10;
    const x = tf.tensor4d(images, [batch, 28, 28, 1]);
    const y = tf.tensor2d(labels, [batch, 10]);
    const p = params.map((values, i) => tf.tensor(values, shapes[i]));
    const { value, grads } = tf.valueAndGrads((...ps: tf.Tensor[]) => cnnLoss(ps, x, y))(p);
    return [value, ...p.map((w, i) => tf.sub(w, tf.mul(grads[i], learningRate)))];
  });
  const result = { loss: loss.dataSync()[0], params: updated.map((t) => t.dataSync() as Float32Array) };
  tf.dispose([loss, ...updated]);
  return result;
}

export function randomBatch(rng: Rng, batch: number): { images: Float32Array; labels: Float32Array } {
  const images = Float32Array.from({ length: batch * 28 * 28 }, () => rng.next());
  const labels = new Float32Array(batch * 10);
  for (let i = 0; i < batch; i++) labels[i * 10 + rng.int(10)] = 1;
  return { images, labels };
}
