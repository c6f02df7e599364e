/**
 * Building blocks for GeoFed's wasm kernels: they run the backend's own (XNNPACK-backed) kernels directly, below the
 * engine, so nothing is taped for gradients or tracked in scopes. Every intermediate TensorInfo must be released with
 * `release`; only the returned one survives.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type Info = tf.TensorInfo;
export type Pads = { top: number; bottom: number; left: number; right: number };

export function callKernel(
  name: string,
  backend: BackendWasm,
  inputs: Record<string, Info | undefined>,
  attrs: Record<string, unknown> = {},
): Info {
  const out = tf.getKernel(name, 'wasm').kernelFunc({
    inputs: inputs as tf.NamedTensorInfoMap,
    backend,
    attrs: attrs as tf.NamedAttrMap,
  });
  if (Array.isArray(out)) throw new Error(`wasm kernel ${name} returned several outputs`);
  return out;
}

export function release(backend: BackendWasm, ...infos: Info[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

export function transpose(backend: BackendWasm, x: Info, perm: number[]): Info {
  return callKernel(tf.Transpose, backend, { x }, { perm });
}

export function reshape(backend: BackendWasm, x: Info, shape: number[]): Info {
  return callKernel(tf.Reshape, backend, { x }, { shape });
}

/** Swaps the last two axes (the matrix axes of a batch of matrices). */
export function transposeMatrices(backend: BackendWasm, x: Info): Info {
  const rank = x.shape.length;
  const perm = x.shape.map((_, i) => (i < rank - 2 ? i : i === rank - 2 ? rank - 1 : rank - 2));
  return transpose(backend, x, perm);
}

/** NCHW <-> NHWC, for kernels whose fast path only knows channels-last. */
export const TO_NHWC = [0, 2, 3, 1];
export const TO_NCHW = [0, 3, 1, 2];

/**
 * Stride-1 NHWC convolution of `x` (with the given dilations on the filter) with explicit, possibly negative, padding
 * of the height and width axes: a negative pad crops the input instead.
 */
export function conv2dPadded(
  backend: BackendWasm,
  x: Info,
  filter: Info,
  pads: Pads,
  dilations: [number, number] = [1, 1],
): Info {
  const [n, h, w, c] = x.shape;
  const cropTop = Math.max(0, -pads.top);
  const cropLeft = Math.max(0, -pads.left);
  const cropBottom = Math.max(0, -pads.bottom);
  const cropRight = Math.max(0, -pads.right);
  const cropped =
    cropTop + cropLeft + cropBottom + cropRight === 0
      ? x
      : callKernel(tf.Slice, backend, { x }, {
          begin: [0, cropTop, cropLeft, 0],
          size: [n, h - cropTop - cropBottom, w - cropLeft - cropRight, c],
        });
  const pad = [
    [0, 0],
    [Math.max(0, pads.top), Math.max(0, pads.bottom)],
    [Math.max(0, pads.left), Math.max(0, pads.right)],
    [0, 0],
  ];
  const out = callKernel(tf.Conv2D, backend, { x: cropped, filter }, {
    strides: [1, 1],
    pad,
    dataFormat: 'NHWC',
    dilations,
  });
  if (cropped !== x) release(backend, cropped);
  return out;
}
