/**
 * GeoFed's training kernels for the tfjs wasm backend: replacements registered over the stock ones (keeping each
 * stock kernel's setupFunc, which binds its wasm function when the backend starts) plus the missing
 * Conv2DBackpropFilter. Must run before `tf.setBackend('wasm')`; see backend.ts.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { conv2DBackpropFilterKernel } from './conv2DBackpropFilter.ts';
import { conv2DBackpropInputKernel } from './conv2DBackpropInput.ts';
import { matMulKernel } from './matMul.ts';
import { maxPoolGradKernel } from './maxPoolGrad.ts';

const replacements: Record<string, (original: tf.KernelConfig) => tf.KernelConfig> = {
  [tf.BatchMatMul]: matMulKernel,
  [tf._FusedMatMul]: matMulKernel,
  [tf.Conv2DBackpropInput]: conv2DBackpropInputKernel,
  [tf.MaxPoolGrad]: maxPoolGradKernel,
};

let registered: string[] | undefined;

/** Registers the kernels once per thread and returns their names. */
export function registerGeofedWasmKernels(): string[] {
  if (registered) return registered;
  for (const [name, replace] of Object.entries(replacements)) {
    const original = tf.getKernel(name, 'wasm');
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(replace(original));
  }
  tf.registerKernel(conv2DBackpropFilterKernel);
  registered = [...Object.keys(replacements), conv2DBackpropFilterKernel.kernelName];
  return registered;
}
