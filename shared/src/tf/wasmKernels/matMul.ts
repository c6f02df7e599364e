/**
 * BatchMatMul and _FusedMatMul (matmul + bias + activation) on the wasm backend's XNNPACK path.
 *
 * The stock kernels reach XNNPACK only for an untransposed single matrix product; with transposeA/transposeB they run
 * a scalar loop 25-30x slower, and every dense layer's backward pass asks for one (dA = dy·Bᵀ, dB = Aᵀ·dy). XNNPACK's
 * fully-connected operator reads the left factor row-major as it is and packs the right one ("weights") into its own
 * layout on every call (a training step's weights are new tensors each time), so what costs is moving data: explicit
 * transposes and packing. For C = op(A)·op(B) we pick the cheaper of
 *   direct:   C  = op(A) · op(B)        (transpose what is transposed, pack op(B))
 *   swapped:  Cᵀ = op(B)ᵀ · op(A)ᵀ      (pack op(A)ᵀ, transpose the small result back)
 * e.g. a dense layer's dX = dy·Wᵀ becomes (W·dyᵀ)ᵀ: W is read in place and only the small dy is packed.
 * Batched products (batch > 1) take the scalar loop either way and stay with the stock kernel; so do fused products
 * with a bias or an activation in the swapped form, where the bias would run along the wrong axis.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { release, transposeMatrices, type Info } from './kernelCalls.ts';

type MatMulAttrs = { transposeA: boolean; transposeB: boolean; activation?: string };

/** Relative cost of XNNPACK packing one weight element, against copying one element in a transpose (measured ~2). */
const PACK_COST = 2;

/** Wraps a stock matmul kernel (BatchMatMul or _FusedMatMul: inputs a, b) so that it takes XNNPACK's path. */
export function matMulKernel(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { transposeA, transposeB, activation } = args.attrs as unknown as MatMulAttrs;
    const a = args.inputs.a as Info;
    const b = args.inputs.b as Info;
    if (!isSingleMatrix(a) || !isSingleMatrix(b)) return original.kernelFunc(args);
    const backend = args.backend as BackendWasm;
    const [m, k] = matrixDims(a, transposeA);
    const n = matrixDims(b, transposeB)[1];
    const direct = (transposeA ? m * k : 0) + (transposeB ? k * n : 0) + PACK_COST * k * n;
    const swapped = (transposeB ? 0 : k * n) + (transposeA ? 0 : m * k) + PACK_COST * m * k + n * m;
    const plain = args.inputs.bias == null && args.inputs.preluActivationWeights == null && (activation ?? 'linear') === 'linear';
    const product = (left: Info, right: Info) =>
      original.kernelFunc({
        ...args,
        inputs: { ...args.inputs, a: left, b: right },
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      }) as Info;

    if (plain && swapped < direct) {
      const left = transposeB ? b : transposeMatrices(backend, b);
      const right = transposeA ? a : transposeMatrices(backend, a);
      const resultT = product(left, right);
      const result = transposeMatrices(backend, resultT);
      release(backend, resultT, ...[left, right].filter((t) => t !== a && t !== b));
      return result;
    }
    if (!transposeA && !transposeB) return original.kernelFunc(args);
    const left = transposeA ? transposeMatrices(backend, a) : a;
    const right = transposeB ? transposeMatrices(backend, b) : b;
    const result = product(left, right);
    release(backend, ...[left, right].filter((t) => t !== a && t !== b));
    return result;
  };
  return { ...original, kernelFunc };
}

function isSingleMatrix(x: Info): boolean {
  return x.shape.slice(0, -2).every((d) => d === 1);
}

/** [rows, cols] of op(x), where op transposes when `transposed`. */
function matrixDims(x: Info, transposed: boolean): [number, number] {
  const rows = x.shape[x.shape.length - 2];
  const cols = x.shape[x.shape.length - 1];
  return transposed ? [cols, rows] : [rows, cols];
}
