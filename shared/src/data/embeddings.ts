import { z } from 'zod';
import { GeoFedError } from '../errors.ts';
import type { Dataset, Split } from './dataset.ts';
import { readNpy, type NpyArray } from './npy.ts';
import { parseOrThrow } from './parse.ts';

/** Precomputed feature vectors (e.g. a frozen encoder's embeddings) with integer labels, as .npy files. */
export const embeddingsParamsSchema = z
  .object({
    trainFeatures: z.string().min(1),
    trainLabels: z.string().min(1),
    testFeatures: z.string().min(1),
    testLabels: z.string().min(1),
    /** Defaults to the largest label + 1 over both splits. */
    numClasses: z.number().int().min(2).optional(),
    classNames: z.array(z.string()).optional(),
  })
  .strict();

export type EmbeddingsParams = z.output<typeof embeddingsParamsSchema>;

function badShape(file: string, what: string): GeoFedError {
  return new GeoFedError(`${file}: ${what}`, { code: 'BAD_DATA' });
}

function toFeatures(arr: NpyArray, file: string): { x: Float32Array; n: number; d: number } {
  if (arr.dtype !== 'float32' && arr.dtype !== 'float64') {
    throw badShape(file, `features must be float32 or float64, got ${arr.dtype}`);
  }
  if (arr.shape.length !== 2) throw badShape(file, `features must be 2-D [n, d], got shape [${arr.shape.join(', ')}]`);
  const [n, d] = arr.shape as [number, number];
  const x = new Float32Array(new SharedArrayBuffer(n * d * 4));
  x.set(arr.data as Float32Array | Float64Array);
  return { x, n, d };
}

function toLabels(arr: NpyArray, file: string): Int32Array {
  if (arr.dtype !== 'int32' && arr.dtype !== 'int64' && arr.dtype !== 'uint8') {
    throw badShape(file, `labels must be int32, int64 or uint8, got ${arr.dtype}`);
  }
  if (arr.shape.length !== 1) throw badShape(file, `labels must be 1-D [n], got shape [${arr.shape.join(', ')}]`);
  const y = new Int32Array(new SharedArrayBuffer(arr.shape[0]! * 4));
  for (let i = 0; i < y.length; i++) {
    const v = Number(arr.data[i]!);
    if (v < 0 || v > 2 ** 31 - 1) throw badShape(file, `label ${v} at index ${i} is negative or too large`);
    y[i] = v;
  }
  return y;
}

async function loadSplit(featuresFile: string, labelsFile: string): Promise<Split & { d: number }> {
  const [features, labels] = await Promise.all([readNpy(featuresFile), readNpy(labelsFile)]);
  const { x, n, d } = toFeatures(features, featuresFile);
  const y = toLabels(labels, labelsFile);
  if (y.length !== n) throw badShape(labelsFile, `${y.length} labels for ${n} feature rows in ${featuresFile}`);
  return { x, y, n, d };
}

const max = (a: number, b: number): number => (a > b ? a : b);

function checkRange(y: Int32Array, numClasses: number, file: string): void {
  const i = y.findIndex((v) => v >= numClasses);
  if (i >= 0) throw badShape(file, `label ${y[i]} at index ${i} is outside [0, ${numClasses})`);
}

export async function loadEmbeddings(params: z.input<typeof embeddingsParamsSchema>): Promise<Dataset> {
  const p = parseOrThrow(embeddingsParamsSchema, params, 'embeddings data set parameters');
  const [train, test] = await Promise.all([
    loadSplit(p.trainFeatures, p.trainLabels),
    loadSplit(p.testFeatures, p.testLabels),
  ]);
  if (train.d !== test.d) {
    throw badShape(p.testFeatures, `test features have ${test.d} dimensions, train features ${train.d}`);
  }
  const numClasses = p.numClasses ?? Math.max(1, train.y.reduce(max, 0), test.y.reduce(max, 0)) + 1;
  checkRange(train.y, numClasses, p.trainLabels);
  checkRange(test.y, numClasses, p.testLabels);
  if (p.classNames && p.classNames.length !== numClasses) {
    throw new GeoFedError(`embeddings: ${p.classNames.length} class names for ${numClasses} classes`, {
      code: 'BAD_CONFIG',
    });
  }
  return {
    name: 'embeddings',
    synthetic: false,
    numClasses,
    inputShape: [train.d],
    featureSize: train.d,
    classNames: p.classNames ?? Array.from({ length: numClasses }, (_, c) => `class ${c}`),
    train: { x: train.x, y: train.y, n: train.n },
    test: { x: test.x, y: test.y, n: test.n },
    source: { ...p },
  };
}
