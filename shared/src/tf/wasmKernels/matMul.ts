/**
 * BatchMatMul and _FusedMatMul (matmul + bias + activation, what tf.layers' Dense runs) with transposeA/transposeB.
 * The stock wasm kernels reach XNNPACK only for an untransposed single matrix product; with a transpose they run a
 * scalar loop 25-30x slower, and every dense layer's backward pass asks for one (dA = dy·Bᵀ, dB = Aᵀ·dy). Transposing
 * the operand explicitly (a cheap copy) and then multiplying takes the fast path. Batched products (batch > 1) take
 * the scalar loop either way, so they go to the stock kernel unchanged.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { release, transposeMatrices, type Info } from './kernelCalls.ts';

type MatMulAttrs = { transposeA: boolean; transposeB: boolean };

/** Wraps a stock matmul kernel (BatchMatMul or _FusedMatMul: inputs a, b) so that it never sees a transpose. */
export function matMulKernel(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const attrs = args.attrs as unknown as MatMulAttrs;
    const a = args.inputs.a as Info;
    const b = args.inputs.b as Info;
    if ((!attrs.transposeA && !attrs.transposeB) || !isSingleMatrix(a) || !isSingleMatrix(b)) {
      return original.kernelFunc(args);
    }
    const backend = args.backend as BackendWasm;
    const a2 = attrs.transposeA ? transposeMatrices(backend, a) : a;
    const b2 = attrs.transposeB ? transposeMatrices(backend, b) : b;
    try {
      return original.kernelFunc({
        ...args,
        inputs: { ...args.inputs, a: a2, b: b2 },
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
    } finally {
      if (a2 !== a) release(backend, a2);
      if (b2 !== b) release(backend, b2);
    }
  };
  return { ...original, kernelFunc };
}

function isSingleMatrix(x: Info): boolean {
  return x.shape.slice(0, -2).every((d) => d === 1);
}

