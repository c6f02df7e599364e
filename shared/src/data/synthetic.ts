import { z } from 'zod';
import { Rng } from '../math/rng.ts';
import type { Dataset, Split } from './dataset.ts';
import { parseOrThrow } from './parse.ts';

const covarianceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('isotropic'), sigma: z.number().gt(0).default(1) }).strict(),
  z
    .object({
      kind: z.literal('lowrank'),
      /** Eigenvalues of the low-rank part, one per direction. */
      spectrum: z.array(z.number().min(0)).min(1),
      /** Standard deviation of the isotropic remainder in every direction. */
      noise: z.number().min(0).default(0.1),
      /** One set of directions for all classes instead of one per class. */
      sharedShape: z.boolean().default(false),
    })
    .strict(),
]);

/**
 * Class covariance: `isotropic` is sigma^2 I; `lowrank` is sum_m spectrum[m] u_m u_m^T + noise^2 I with seeded
 * random orthonormal u_m. Means point in random directions and have length `separation`.
 */
export const syntheticParamsSchema = z
  .object({
    numClasses: z.number().int().min(2).default(10),
    dim: z.number().int().min(1).default(32),
    trainSize: z.number().int().min(1).default(6000),
    testSize: z.number().int().min(1).default(1000),
    separation: z.number().min(0).default(3),
    covariance: covarianceSchema.default({ kind: 'isotropic', sigma: 1 }),
    seed: z.number().int().default(0),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.trainSize < p.numClasses) {
      ctx.addIssue({ code: 'custom', path: ['trainSize'], message: `must be >= numClasses (${p.numClasses})` });
    }
    if (p.covariance.kind === 'lowrank' && p.covariance.spectrum.length > p.dim) {
      ctx.addIssue({ code: 'custom', path: ['covariance', 'spectrum'], message: `at most dim (${p.dim}) values` });
    }
  });

export type SyntheticParams = z.output<typeof syntheticParamsSchema>;
export type SyntheticParamsInput = z.input<typeof syntheticParamsSchema>;

/** The generating distribution, so geometry estimates can be checked against it. */
export interface SyntheticTruth {
  /** K vectors of length d. */
  readonly means: Float64Array[];
  /** K row-major d x d matrices. */
  readonly covariances: Float64Array[];
  /** Low-rank part per class (empty for isotropic): eigenvalues above the noise floor and unit eigenvectors. */
  readonly shapes: { readonly values: readonly number[]; readonly vectors: Float64Array[] }[];
}

export interface SyntheticDataset extends Dataset {
  readonly truth: SyntheticTruth;
}

function unitVector(rng: Rng, d: number): Float64Array {
  const v = new Float64Array(d);
  let norm = 0;
  while (norm === 0) {
    for (let i = 0; i < d; i++) v[i] = rng.normal();
    norm = Math.hypot(...v);
  }
  for (let i = 0; i < d; i++) v[i]! /= norm;
  return v;
}

/** r orthonormal vectors in R^d by Gram-Schmidt on Gaussian draws. */
function randomOrthonormal(rng: Rng, d: number, r: number): Float64Array[] {
  const basis: Float64Array[] = [];
  while (basis.length < r) {
    const v = unitVector(rng, d);
    for (const b of basis) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += v[i]! * b[i]!;
      for (let i = 0; i < d; i++) v[i]! -= dot * b[i]!;
    }
    const norm = Math.hypot(...v);
    // A draw almost inside the span so far is numerically useless; draw again.
    if (norm < 1e-6) continue;
    for (let i = 0; i < d; i++) v[i]! /= norm;
    basis.push(v);
  }
  return basis;
}

function buildTruth(p: SyntheticParams, rng: Rng): SyntheticTruth {
  const { numClasses: k, dim: d, covariance: cov } = p;
  const means = Array.from({ length: k }, () => unitVector(rng, d).map((v) => v * p.separation));
  const shared = cov.kind === 'lowrank' && cov.sharedShape ? randomOrthonormal(rng, d, cov.spectrum.length) : undefined;
  const shapes = means.map(() =>
    cov.kind === 'isotropic'
      ? { values: [], vectors: [] }
      : { values: [...cov.spectrum], vectors: shared ?? randomOrthonormal(rng, d, cov.spectrum.length) },
  );
  const floor = cov.kind === 'isotropic' ? cov.sigma ** 2 : cov.noise ** 2;
  const covariances = shapes.map(({ values, vectors }) => {
    const m = new Float64Array(d * d);
    for (let i = 0; i < d; i++) m[i * d + i] = floor;
    values.forEach((lambda, r) => {
      const u = vectors[r]!;
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) m[i * d + j]! += lambda * u[i]! * u[j]!;
    });
    return m;
  });
  return { means, covariances, shapes };
}

/** Balanced labels in random order; x = mean + sum_m sqrt(lambda_m) eps_m u_m + floor_sd * eps. */
function sampleSplit(n: number, p: SyntheticParams, truth: SyntheticTruth, rng: Rng): Split {
  const { numClasses: k, dim: d, covariance: cov } = p;
  const floorSd = cov.kind === 'isotropic' ? cov.sigma : cov.noise;
  const y = new Int32Array(new SharedArrayBuffer(n * 4));
  for (let i = 0; i < n; i++) y[i] = i % k;
  rng.shuffle(y);
  const x = new Float32Array(new SharedArrayBuffer(n * d * 4));
  const row = new Float64Array(d);
  for (let s = 0; s < n; s++) {
    const c = y[s]!;
    row.set(truth.means[c]!);
    const { values, vectors } = truth.shapes[c]!;
    values.forEach((lambda, r) => {
      const scale = Math.sqrt(lambda) * rng.normal();
      const u = vectors[r]!;
      for (let i = 0; i < d; i++) row[i]! += scale * u[i]!;
    });
    for (let i = 0; i < d; i++) x[s * d + i] = row[i]! + floorSd * rng.normal();
  }
  return { x, y, n };
}

/** A seeded Gaussian mixture with known means and covariances. */
export function makeSynthetic(params: SyntheticParamsInput = {}): SyntheticDataset {
  const p = parseOrThrow(syntheticParamsSchema, params, 'synthetic data set parameters');
  const rng = new Rng(p.seed);
  const truth = buildTruth(p, rng.fork('truth'));
  return {
    name: 'synthetic',
    synthetic: true,
    numClasses: p.numClasses,
    inputShape: [p.dim],
    featureSize: p.dim,
    classNames: Array.from({ length: p.numClasses }, (_, c) => `class ${c}`),
    train: sampleSplit(p.trainSize, p, truth, rng.fork('train')),
    test: sampleSplit(p.testSize, p, truth, rng.fork('test')),
    source: { generator: 'gaussian-mixture', ...p },
    truth,
  };
}
