/**
 * MaxPoolGrad: the stock wasm kernel revisits every window for every input pixel and took ~20% of a CNN training
 * step. This one walks each pooling window once, in plain JS on the wasm heap (no copies), channels innermost:
 * dy of each window goes to the window's first maximum in row-major order (the cpu backend's and TensorFlow's rule),
 * accumulating where windows overlap. Padding and any stride/window size are handled by clipping the window.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { Info } from './kernelCalls.ts';

type Shape4 = [number, number, number, number];

export function maxPoolGradKernel(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const dy = inputs.dy as Info;
    const x = inputs.input as Info;
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
    const info = tf.backend_util.computePool2DInfo(x.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode);
    const dx = wasm.makeOutput(x.shape, 'float32');
    // Views after the allocation above: growing the heap would detach earlier ones.
    const dxValues = wasm.typedArrayFromHeap(dx) as Float32Array;
    const xValues = wasm.typedArrayFromHeap(x) as Float32Array;
    const dyValues = wasm.typedArrayFromHeap(dy) as Float32Array;
    scatterToMaxima(info, xValues, dyValues, dxValues);
    return dx;
  };
  return { ...original, kernelFunc };
}

function scatterToMaxima(info: tf.backend_util.Conv2DInfo, x: Float32Array, dy: Float32Array, dx: Float32Array): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, effectiveFilterHeight, effectiveFilterWidth, padInfo } = info;
  const best = new Float32Array(channels);
  const bestAt = new Int32Array(channels);
  dx.fill(0);
  let dyAt = 0;
  for (let b = 0; b < batchSize; b++) {
    const image = b * inHeight * inWidth * channels;
    for (let oy = 0; oy < outHeight; oy++) {
      const top = oy * strideHeight - padInfo.top;
      const rowStart = Math.max(0, top);
      const rowEnd = Math.min(inHeight, top + effectiveFilterHeight);
      for (let ox = 0; ox < outWidth; ox++, dyAt += channels) {
        const left = ox * strideWidth - padInfo.left;
        const colStart = Math.max(0, left);
        const colEnd = Math.min(inWidth, left + effectiveFilterWidth);
        best.fill(-Infinity);
        bestAt.fill(-1);
        for (let r = rowStart; r < rowEnd; r++) {
          for (let col = colStart; col < colEnd; col++) {
            const pixel = image + (r * inWidth + col) * channels;
            for (let c = 0; c < channels; c++) {
              const v = x[pixel + c];
              if (v > best[c]) {
                best[c] = v;
                bestAt[c] = pixel + c;
              }
            }
          }
        }
        for (let c = 0; c < channels; c++) if (bestAt[c] >= 0) dx[bestAt[c]] += dy[dyAt + c];
      }
    }
  }
}
