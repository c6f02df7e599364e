/**
 * Conv2DBackpropFilter (dW of a convolution), which the stock wasm backend does not have at all, as one forward
 * XNNPACK convolution:
 *   dW[i, j, c, o] = Σ_{n, y, x} xpad[n, y·sh + i, x·sw + j, c] · dy[n, y, x, o]
 * is a convolution whose "batch" is the input channel c, whose "channels" are the examples n, and whose filter is dy
 * (laid out [y, x, n, o]) dilated by the stride. Input rows the forward pass never reached are cropped, so the output
 * is exactly the filter's size. NCHW inputs are transposed to NHWC first.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2dPadded, release, transpose, TO_NHWC, type Info } from './kernelCalls.ts';

type Attrs = tf.Conv2DBackpropFilterAttrs;
type Shape4 = [number, number, number, number];

export const conv2DBackpropFilterKernel: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const x = inputs.x as Info;
    const dy = inputs.dy as Info;
    const a = attrs as unknown as Attrs;
    if (a.dataFormat !== 'NCHW') return backpropFilterNHWC(wasm, x, dy, a);
    const xNHWC = transpose(wasm, x, TO_NHWC);
    const dyNHWC = transpose(wasm, dy, TO_NHWC);
    const dw = backpropFilterNHWC(wasm, xNHWC, dyNHWC, a);
    release(wasm, xNHWC, dyNHWC);
    return dw;
  },
};

function backpropFilterNHWC(backend: BackendWasm, x: Info, dy: Info, attrs: Attrs): Info {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4,
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw, inHeight, inWidth, padInfo } = info;
  const [, outHeight, outWidth] = dy.shape;
  const channelsAsBatch = transpose(backend, x, [3, 1, 2, 0]);
  const dyAsFilter = transpose(backend, dy, [1, 2, 0, 3]);
  const perChannel = conv2dPadded(
    backend,
    channelsAsBatch,
    dyAsFilter,
    {
      top: padInfo.top,
      bottom: (outHeight - 1) * sh + fh - inHeight - padInfo.top,
      left: padInfo.left,
      right: (outWidth - 1) * sw + fw - inWidth - padInfo.left,
    },
    [sh, sw],
  );
  const dw = transpose(backend, perChannel, [1, 2, 0, 3]);
  release(backend, channelsAsBatch, dyAsFilter, perChannel);
  return dw;
}
