import { z } from 'zod';

/**
 * Recipes for the fixed (never trained) classifier heads. A spec plus the code is enough to rebuild the
 * exact weights, which is why the checksum covers both.
 */
const common = {
  numClasses: z.int().min(2),
  dim: z.int().min(1),
  seed: z.int().default(0),
};

export const fixedClassifierSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('etf'), ...common }),
  z.strictObject({ type: z.literal('simplex'), ...common }),
  z.strictObject({ type: z.literal('orthoplex'), ...common }),
  z.strictObject({ type: z.literal('cube'), ...common }),
  z.strictObject({
    type: z.literal('ebv'),
    ...common,
    /** Largest allowed |cos| between two class vectors; default derived from the Welch bound (see ebv.ts). */
    tau: z.number().gt(0).lt(1).optional(),
    maxSteps: z.int().positive().default(3000),
  }),
  z.strictObject({
    type: z.literal('sparse-etf'),
    ...common,
    /** Fraction of each column's entries set to zero. */
    sparsity: z.number().min(0).lt(1).default(0.6),
    /** Gradient steps that restore near-maximal angles after masking. */
    steps: z.int().nonnegative().default(200),
  }),
]);

export type FixedClassifierSpecInput = z.input<typeof fixedClassifierSpecSchema>;
export type FixedClassifierSpec = z.output<typeof fixedClassifierSpecSchema>;
export type FixedClassifierType = FixedClassifierSpec['type'];

export interface FixedClassifier {
  readonly type: FixedClassifierType;
  readonly numClasses: number;
  readonly dim: number;
  /** dim x numClasses, row-major: column c is the unit vector of class c. */
  readonly weights: Float32Array;
  /** sha256 hex of the canonical spec and the weight bytes (see checksum.ts). */
  readonly checksum: string;
  /** The spec with every default filled in, so that it rebuilds these exact weights. */
  readonly spec: FixedClassifierSpec;
}
