// GeoFed's wasm kernels against the cpu backend: forward values and gradients on random shapes.
// One engine per process: every case switches backends with tf.setBackend and moves data through plain arrays.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/tf/backend.ts';
import { Rng } from '../../src/math/rng.ts';

const TOLERANCE = 1e-4;
type Shape4 = [number, number, number, number];
type Padding = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];

before(async () => {
  const info = await initBackend('wasm');
  assert.equal(info.geofedKernels, true);
});

function randomArray(rng: Rng, shape: number[]): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: size }, () => rng.normal());
}

/** Runs `compute` on cpu and on wasm (tensors made inside from the same arrays) and returns both results. */
async function onCpuAndWasm(compute: () => tf.Tensor[]): Promise<{ cpu: Float32Array[]; wasm: Float32Array[] }> {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const outputs = tf.tidy(compute);
    const arrays = outputs.map((t) => t.dataSync() as Float32Array);
    tf.dispose(outputs);
    return arrays;
  };
  const cpu = await run('cpu');
  const wasm = await run('wasm');
  return { cpu, wasm };
}

function relativeError(actual: Float32Array, expected: Float32Array): number {
  assert.equal(actual.length, expected.length, 'output sizes differ');
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / scale;
}

async function assertSameOnWasm(label: string, compute: () => tf.Tensor[]): Promise<void> {
  const { cpu, wasm } = await onCpuAndWasm(compute);
  cpu.forEach((expected, i) => {
    const err = relativeError(wasm[i], expected);
    assert.ok(err <= TOLERANCE, `${label}, output ${i}: relative error ${err}`);
  });
}

describe('matMul kernels (BatchMatMul, _FusedMatMul)', () => {
  const rng = new Rng('matmul');
  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      const [m, k, n] = [1 + rng.int(70), 1 + rng.int(70), 1 + rng.int(70)];
      const aShape = transposeA ? [k, m] : [m, k];
      const bShape = transposeB ? [n, k] : [k, n];
      const a = randomArray(rng, aShape);
      const b = randomArray(rng, bShape);
      const bias = randomArray(rng, [n]);
      const dy = randomArray(rng, [m, n]);
      const name = `m=${m} k=${k} n=${n} transposeA=${transposeA} transposeB=${transposeB}`;

      test(`matMul forward and gradients, ${name}`, async () => {
        await assertSameOnWasm(name, () => {
          const f = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, transposeA, transposeB);
          const [ga, gb] = tf.grads(f)([tf.tensor(a, aShape), tf.tensor(b, bShape)], tf.tensor(dy, [m, n]));
          return [f(tf.tensor(a, aShape), tf.tensor(b, bShape)), ga, gb];
        });
      });

      test(`fused matMul (bias, relu) forward and gradients, ${name}`, async () => {
        await assertSameOnWasm(name, () => {
          const f = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
            tf.fused.matMul({ a: x as tf.Tensor2D, b: y as tf.Tensor2D, bias: z, transposeA, transposeB, activation: 'relu' });
          const inputs = () => [tf.tensor(a, aShape), tf.tensor(b, bShape), tf.tensor(bias, [n])];
          const grads = tf.grads(f)(inputs(), tf.tensor(dy, [m, n]));
          const [x, y, z] = inputs();
          return [f(x, y, z), ...grads];
        });
      });
    }
  }

  test('batched matMul with transposes (left to the stock kernel) is still right', async () => {
    const a = randomArray(rng, [3, 7, 5]);
    const b = randomArray(rng, [3, 6, 7]);
    await assertSameOnWasm('batched', () => [tf.matMul(tf.tensor(a, [3, 7, 5]), tf.tensor(b, [3, 6, 7]), true, true)]);
  });
});

interface ConvCase {
  strides: number | [number, number];
  pad: Padding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filter?: [number, number];
}

const CONV_CASES: ConvCase[] = [
  { strides: 1, pad: 'same' },
  { strides: 1, pad: 'valid' },
  { strides: 2, pad: 'same' },
  { strides: 2, pad: 'valid' },
  { strides: [2, 3], pad: 'same' },
  { strides: 3, pad: 'valid', filter: [2, 2] },
  { strides: 1, pad: [[0, 0], [2, 1], [0, 3], [0, 0]], filter: [3, 3] },
  { strides: 2, pad: [[0, 0], [1, 2], [3, 0], [0, 0]], filter: [3, 3] },
  // Padding wider than the filter: the transposed convolution crops instead of padding.
  { strides: 1, pad: [[0, 0], [4, 0], [1, 5], [0, 0]], filter: [3, 2] },
  { strides: 2, pad: 1, dimRoundingMode: 'floor', filter: [3, 3] },
];

function describeCase(c: ConvCase, x: number[], f: number[]): string {
  return `x=${x} filter=${f} strides=${JSON.stringify(c.strides)} pad=${JSON.stringify(c.pad)}`;
}

describe('convolution gradients (Conv2DBackpropInput, Conv2DBackpropFilter)', () => {
  const rng = new Rng('conv');
  for (const c of CONV_CASES) {
    const xShape: Shape4 = [1 + rng.int(3), 6 + rng.int(9), 6 + rng.int(9), 1 + rng.int(4)];
    const [fh, fw] = c.filter ?? [1 + rng.int(5), 1 + rng.int(5)];
    const fShape: Shape4 = [fh, fw, xShape[3], 1 + rng.int(5)];
    const x = randomArray(rng, xShape);
    const w = randomArray(rng, fShape);
    const label = describeCase(c, xShape, fShape);
    const conv = (a: tf.Tensor, b: tf.Tensor) =>
      tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad, 'NHWC', 1, c.dimRoundingMode);
    const yShape = tf.backend_util.computeConv2DInfo(xShape, fShape, c.strides, 1, c.pad, c.dimRoundingMode).outShape;
    const dy = randomArray(rng, yShape);

    test(`conv2d forward and gradients, ${label}`, async () => {
      await assertSameOnWasm(label, () => {
        const [dx, dw] = tf.grads(conv)([tf.tensor(x, xShape), tf.tensor(w, fShape)], tf.tensor(dy, yShape));
        return [conv(tf.tensor(x, xShape), tf.tensor(w, fShape)), dx, dw];
      });
    });
  }

  test('conv2dTranspose (Conv2DBackpropInput as a forward op) with stride 2', async () => {
    const x = randomArray(rng, [2, 5, 6, 4]);
    const w = randomArray(rng, [3, 3, 3, 4]);
    await assertSameOnWasm('conv2dTranspose', () => [
      tf.conv2dTranspose(tf.tensor4d(x, [2, 5, 6, 4]), tf.tensor4d(w, [3, 3, 3, 4]), [2, 10, 12, 3], 2, 'same'),
    ]);
  });

  test('Conv2DBackpropInput and Conv2DBackpropFilter in NCHW', async () => {
    const [n, c, h, wd, o] = [2, 3, 9, 8, 4];
    const x = randomArray(rng, [n, c, h, wd]);
    const w = randomArray(rng, [3, 3, c, o]);
    const attrs = { strides: [2, 1], pad: 'same', dataFormat: 'NCHW' };
    const dy = randomArray(rng, [n, o, 5, 8]);
    await assertSameOnWasm('NCHW', () => {
      const dyT = tf.tensor(dy, [n, o, 5, 8]);
      const dx = tf.engine().runKernel(
        tf.Conv2DBackpropInput,
        { dy: dyT, filter: tf.tensor(w, [3, 3, c, o]) },
        { ...attrs, inputShape: [n, c, h, wd] } as unknown as tf.NamedAttrMap,
      ) as tf.Tensor;
      const dw = tf.engine().runKernel(
        tf.Conv2DBackpropFilter,
        { x: tf.tensor(x, [n, c, h, wd]), dy: dyT },
        { ...attrs, filterShape: [3, 3, c, o] } as unknown as tf.NamedAttrMap,
      ) as tf.Tensor;
      return [dx, dw];
    });
  });
});

describe('MaxPoolGrad', () => {
  const rng = new Rng('maxpool');
  const cases: { filter: number | [number, number]; strides: number | [number, number]; pad: Padding }[] = [
    { filter: 2, strides: 2, pad: 'valid' },
    { filter: 3, strides: 2, pad: 'same' },
    { filter: [3, 2], strides: 1, pad: 'same' },
    { filter: 3, strides: [1, 2], pad: 'valid' },
    { filter: 2, strides: 2, pad: [[0, 0], [1, 0], [0, 1], [0, 0]] },
  ];
  for (const c of cases) {
    const xShape: Shape4 = [1 + rng.int(3), 5 + rng.int(8), 5 + rng.int(8), 1 + rng.int(6)];
    // Whole numbers in a small range, so windows often hold several equal maxima.
    const x = randomArray(rng, xShape).map((v) => Math.round(v * 1.5));
    const label = `x=${xShape} filter=${JSON.stringify(c.filter)} strides=${JSON.stringify(c.strides)} pad=${JSON.stringify(c.pad)}`;
    const pool = (t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, c.filter, c.strides, c.pad as 'same');
    const yShape = tf.backend_util.computePool2DInfo(xShape, c.filter, c.strides, 1, c.pad).outShape;
    const dy = randomArray(rng, yShape);

    test(`maxPool forward and gradient with tied maxima, ${label}`, async () => {
      await assertSameOnWasm(label, () => [
        pool(tf.tensor(x, xShape)),
        tf.grad(pool)(tf.tensor(x, xShape), tf.tensor(dy, yShape)),
      ]);
    });
  }
});
