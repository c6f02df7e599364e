/**
 * Fixed classifier heads: build one from a spec, and verify one received over the wire.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { describeIssues } from '../../config/describeIssues.ts';
import { GeoFedError } from '../../errors.ts';
import { Rng } from '../rng.ts';
import { cubeClassifier } from './cube.ts';
import { defaultEbvTau, ebvClassifier } from './ebv.ts';
import { simplexEtf } from './etf.ts';
import { orthoplexClassifier } from './orthoplex.ts';
import { simplexClassifier } from './simplex.ts';
import { sparseEtfClassifier } from './sparseEtf.ts';
import { fixedClassifierSpecSchema } from './spec.ts';
import type { FixedClassifier, FixedClassifierSpec, FixedClassifierSpecInput } from './spec.ts';

export { fixedClassifierSpecSchema } from './spec.ts';
export type { FixedClassifier, FixedClassifierSpec, FixedClassifierSpecInput, FixedClassifierType } from './spec.ts';
export { typesThatFit } from './fit.ts';
export { welchBound, defaultEbvTau } from './ebv.ts';

export function buildFixedClassifier(input: FixedClassifierSpecInput): FixedClassifier {
  const parsed = fixedClassifierSpecSchema.safeParse(input);
  if (!parsed.success) {
    throw new GeoFedError(`invalid fixed-classifier spec: ${describeIssues(parsed.error)}`, {
      remedy: 'give type (etf, simplex, orthoplex, cube, ebv, sparse-etf), integer numClasses >= 2, dim >= 1 and seed',
      code: 'INVALID_CLASSIFIER_SPEC',
    });
  }
  const spec = resolveDefaults(parsed.data);
  return classifierOf(spec, Float32Array.from(buildColumns(spec)));
}

/** A classifier from its spec and weight matrix (built here, or received), with the checksum over both. */
export function classifierOf(spec: FixedClassifierSpec, weights: Float32Array): FixedClassifier {
  return { type: spec.type, numClasses: spec.numClasses, dim: spec.dim, weights, spec, checksum: checksumOf(spec, weights) };
}

/** True when the weights and spec are exactly what the checksum was computed over. */
export function verifyClassifier(c: FixedClassifier): boolean {
  return c.weights.length === c.dim * c.numClasses && checksumOf(c.spec, c.weights) === c.checksum;
}

/**
 * sha256 over the canonical spec (JSON with sorted keys), a zero byte, then the weights as little-endian float32.
 */
export function checksumOf(spec: FixedClassifierSpec, weights: Float32Array): string {
  const specBytes = utf8ToBytes(canonicalJson(spec));
  const weightBytes = new Uint8Array(weights.length * 4);
  const view = new DataView(weightBytes.buffer);
  for (let i = 0; i < weights.length; i++) view.setFloat32(i * 4, weights[i]!, true);
  const all = new Uint8Array(specBytes.length + 1 + weightBytes.length);
  all.set(specBytes, 0);
  all.set(weightBytes, specBytes.length + 1);
  return bytesToHex(sha256(all));
}

function resolveDefaults(spec: FixedClassifierSpec): FixedClassifierSpec {
  if (spec.type === 'ebv' && spec.tau === undefined) return { ...spec, tau: defaultEbvTau(spec.numClasses, spec.dim) };
  return spec;
}

function buildColumns(spec: FixedClassifierSpec): Float64Array {
  const { numClasses: k, dim } = spec;
  const rng = new Rng(spec.seed);
  switch (spec.type) {
    case 'etf':
      return simplexEtf(k, dim, rng);
    case 'simplex':
      return simplexClassifier(k, dim);
    case 'orthoplex':
      return orthoplexClassifier(k, dim);
    case 'cube':
      return cubeClassifier(k, dim, rng);
    case 'ebv':
      return ebvClassifier(k, dim, spec.tau ?? defaultEbvTau(k, dim), spec.maxSteps, rng);
    case 'sparse-etf':
      return sparseEtfClassifier(k, dim, spec.sparsity, spec.steps, rng);
  }
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
