/**
 * Conv2DBackpropInput (dx of a convolution) as a forward XNNPACK convolution; the stock wasm kernel is a naive loop.
 *
 * dx is the stride-1 'valid' convolution of dy — with (stride - 1) zeros inserted between its pixels and padded by
 * (filter - 1 - forward pad) on each side — with the filter rotated by 180° and its in/out channels swapped.
 * NCHW is handled by transposing to NHWC and back; paddings larger than the filter crop dy instead of padding it.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  callKernel,
  conv2dPadded,
  release,
  reshape,
  transpose,
  TO_NCHW,
  TO_NHWC,
  type Info,
} from './kernelCalls.ts';

type Attrs = tf.Conv2DBackpropInputAttrs;
type Shape4 = [number, number, number, number];

export function conv2DBackpropInputKernel(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const dy = inputs.dy as Info;
    const filter = inputs.filter as Info;
    const a = attrs as unknown as Attrs;
    if (a.dataFormat !== 'NCHW') return backpropInputNHWC(wasm, dy, filter, a.inputShape, a);
    const [n, c, h, w] = a.inputShape;
    const dyNHWC = transpose(wasm, dy, TO_NHWC);
    const dxNHWC = backpropInputNHWC(wasm, dyNHWC, filter, [n, h, w, c], a);
    const dx = transpose(wasm, dxNHWC, TO_NCHW);
    release(wasm, dyNHWC, dxNHWC);
    return dx;
  };
  return { ...original, kernelFunc };
}

function backpropInputNHWC(backend: BackendWasm, dy: Info, filter: Info, inputShape: Shape4, attrs: Attrs): Info {
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as Shape4,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw, inHeight, inWidth, padInfo } = info;
  const spread = spreadPixels(backend, dy, sh, sw);
  const flipped = callKernel(tf.Reverse, backend, { x: filter }, { dims: [0, 1] });
  const swapped = transpose(backend, flipped, [0, 1, 3, 2]);
  const dx = conv2dPadded(backend, spread, swapped, {
    top: fh - 1 - padInfo.top,
    bottom: inHeight + padInfo.top - spread.shape[1],
    left: fw - 1 - padInfo.left,
    right: inWidth + padInfo.left - spread.shape[2],
  });
  release(backend, flipped, swapped);
  if (spread !== dy) release(backend, spread);
  return dx;
}

/**
 * [n, h, w, c] -> [n, h*sh, w*sw, c] with each pixel followed by (sh - 1) zero rows and (sw - 1) zero columns,
 * i.e. the input of a strided convolution's transpose.
 */
function spreadPixels(backend: BackendWasm, x: Info, sh: number, sw: number): Info {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  const split = reshape(backend, x, [n, h, 1, w, 1, c]);
  const padded = callKernel(tf.PadV2, backend, { x: split }, {
    paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
    constantValue: 0,
  });
  const out = reshape(backend, padded, [n, h * sh, w * sw, c]);
  release(backend, split, padded);
  return out;
}
