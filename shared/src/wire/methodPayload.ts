import { bytesToHex, hexToBytes } from '@noble/hashes/utils';
import { describeIssues } from '../config/describeIssues.ts';
import { classifierSchema, methodSchema, resolveMethod, type MethodPlan, type MethodSettings } from '../config/method.ts';
import type { GeometrySnapshot } from '../geometry/snapshot.ts';
import { validateStats, type EmbeddingStats } from '../geometry/stats.ts';
import { buildFixedClassifier, classifierOf, fixedClassifierSpecSchema } from '../math/classifiers/index.ts';
import type { FixedClassifier, FixedClassifierSpec, FixedClassifierType } from '../math/classifiers/index.ts';
import type { WeightSpec } from '../tensor/weights.ts';
import { WireError } from './errors.ts';
import type * as wire from './messages.ts';
import { assertFiniteValues, decodeBundle, encodeBundle } from './tensorCodec.ts';

/**
 * GeoFed's method payloads <-> their protobuf fields: the method plan, the fixed classifier, the geometry snapshot
 * (coordinator -> client) and the class statistics (client -> coordinator). Both directions validate, so a bad
 * value is named where it is made as well as where it arrives.
 *
 * The method plan rides in TrainingConfig's maps rather than in a message of its own, as the .proto intends for
 * method switches: `flags["method/<name>"]` names the method (at most one such flag; none means no method plan),
 * the flags `fixed_classifier`, `balanced_softmax`, `feature_synthesis`, `prototypes` carry its switches and the
 * params `prior_bound`, `prototype_lambda`, `synthetic_ratio` and `synthesis_target` (absent: fill up to the
 * client's largest class) its numbers. The receiver resolves them with the same rules as a config file, so what
 * follows from them (which statistics to collect) is derived in one place.
 */

/** What a receiver's model looks like: tasks and updates are checked against it. */
export interface ReceiverModel {
  readonly weightSpecs: readonly WeightSpec[];
  readonly numClasses: number;
  readonly embeddingDim: number;
}

const METHOD_FLAG = 'method/';
const FLAGS = { fixedClassifier: 'fixed_classifier', balancedSoftmax: 'balanced_softmax', synthesis: 'feature_synthesis', prototypes: 'prototypes' } as const;
const PARAMS = { priorBound: 'prior_bound', prototypeWeight: 'prototype_lambda', syntheticRatio: 'synthetic_ratio', synthesisTarget: 'synthesis_target' } as const;

export function methodPlanToWire(plan: MethodPlan): Pick<wire.TrainingConfig, 'flags' | 'params'> {
  const flags: Record<string, boolean> = { [`${METHOD_FLAG}${plan.name}`]: true };
  for (const [key, name] of Object.entries(FLAGS)) flags[name] = plan[key as keyof typeof FLAGS];
  const params: Record<string, number> = {
    [PARAMS.priorBound]: plan.priorBound,
    [PARAMS.prototypeWeight]: plan.prototypeWeight,
    [PARAMS.syntheticRatio]: plan.syntheticRatio,
  };
  if (plan.synthesisTarget !== 'max') params[PARAMS.synthesisTarget] = plan.synthesisTarget;
  // Encoding checks what decoding checks: a plan the receiver would refuse is not sent.
  methodPlanFromWire({ flags, params }, 'method plan');
  return { flags, params };
}

/** The plan named by a TrainingConfig's method flag, or undefined when it names none. */
export function methodPlanFromWire(config: Pick<wire.TrainingConfig, 'flags' | 'params'>, where: string): MethodPlan | undefined {
  const named = Object.keys(config.flags).filter((k) => k.startsWith(METHOD_FLAG) && config.flags[k]);
  if (named.length === 0) return undefined;
  if (named.length > 1) throw new WireError('BAD_VALUE', `${where}: flags name ${named.length} methods (${named.join(', ')}), expected one`);
  const settings: Record<string, unknown> = { name: named[0]!.slice(METHOD_FLAG.length) };
  for (const [key, name] of Object.entries(FLAGS)) settings[key] = config.flags[name] === true;
  for (const [key, name] of Object.entries(PARAMS)) if (config.params[name] !== undefined) settings[key] = config.params[name];
  const parsed = methodSchema.safeParse(settings);
  if (!parsed.success) {
    throw new WireError('BAD_VALUE', `${where}: method plan: ${describeIssues(parsed.error)}`);
  }
  // Every switch is explicit, so the classifier settings (which only fill in an unset switch) play no part.
  return resolveMethod(parsed.data as MethodSettings, classifierSchema.parse({}));
}

// ----- fixed classifier -----

const TYPE_TO_WIRE: Record<FixedClassifierType, wire.ClassifierType> = {
  etf: 'simplex_etf',
  'sparse-etf': 'sparse_etf',
  simplex: 'd_simplex',
  orthoplex: 'd_orthoplex',
  cube: 'd_cube',
  ebv: 'ebv',
};
const TYPE_FROM_WIRE = Object.fromEntries(Object.entries(TYPE_TO_WIRE).map(([k, v]) => [v, k])) as Record<wire.ClassifierType, FixedClassifierType>;
const COMMON_SPEC_KEYS = new Set(['type', 'numClasses', 'dim', 'seed']);
const SHA256_BYTES = 32;

/**
 * The classifier's spec (so the receiver can rebuild it) and checksum, and with `shipWeights` the matrix itself.
 * The checksum is the classifier module's (`checksumOf`: spec and weights), as 32 bytes.
 */
export function classifierToWire(c: FixedClassifier, shipWeights: boolean): wire.FixedClassifier {
  const params: Record<string, number> = {};
  for (const [key, value] of Object.entries(c.spec)) {
    if (!COMMON_SPEC_KEYS.has(key) && value !== undefined) params[key] = value as number;
  }
  return {
    type: TYPE_TO_WIRE[c.type],
    numClasses: c.numClasses,
    dim: c.dim,
    seed: c.spec.seed,
    checksum: hexToBytes(c.checksum),
    ...(shipWeights ? { weights: encodeBundle([{ name: 'classifier', shape: [c.dim, c.numClasses], values: c.weights }], 'f32') } : {}),
    params,
  };
}

/**
 * The classifier a task names: its shipped weights, or rebuilt from its spec, and either way only if the checksum
 * matches (a different GeoFed version or a damaged message would otherwise train against the wrong head).
 */
export function classifierFromWire(message: wire.FixedClassifier, where: string): FixedClassifier {
  const at = `${where}: fixed classifier`;
  if (message.checksum.length !== SHA256_BYTES) throw new WireError('BAD_VALUE', `${at}: checksum has ${message.checksum.length} bytes, expected ${SHA256_BYTES}`);
  const type = TYPE_FROM_WIRE[message.type];
  if (type === undefined) throw new WireError('BAD_VALUE', `${at}: unknown type ${String(message.type)}`);
  const parsed = fixedClassifierSpecSchema.safeParse({ ...message.params, type, numClasses: message.numClasses, dim: message.dim, seed: message.seed });
  if (!parsed.success) {
    throw new WireError('BAD_VALUE', `${at}: ${describeIssues(parsed.error)}`);
  }
  const expected = bytesToHex(message.checksum);
  const classifier = message.weights ? shipped(message.weights, parsed.data, at) : buildFixedClassifier(parsed.data);
  if (classifier.checksum !== expected) {
    const how = message.weights ? 'the shipped weights' : 'the classifier rebuilt from its spec';
    throw new WireError('BAD_CHECKSUM', `${at}: checksum of ${how} is ${classifier.checksum}, the coordinator sent ${expected}`, {
      remedy: 'run the same GeoFed version on the coordinator and the clients',
    });
  }
  return classifier;
}

function shipped(bundle: wire.TensorBundle, spec: FixedClassifierSpec, at: string): FixedClassifier {
  const [matrix] = decodeBundle(bundle, [{ name: 'classifier', shape: [spec.dim, spec.numClasses] }]);
  if (matrix === undefined) throw new WireError('BAD_SHAPE', `${at}: weights hold no tensor`);
  return classifierOf(spec, matrix.values);
}

// ----- geometry snapshot -----

/** What a geometry or statistics message must fit: the embedding dimension and, where known, the class count. */
export interface EmbeddingShape {
  readonly dim: number;
  readonly numClasses?: number;
}

/**
 * The snapshot's shared part. `withheld` and `noise` stay with the coordinator (clients do not use them): they
 * come back as [] and null.
 */
export function geometryToWire(s: GeometrySnapshot): wire.GeometrySnapshot {
  const message: wire.GeometrySnapshot = {
    round: s.round,
    dim: s.dim,
    classes: s.classes.map((c) => ({
      label: c.label,
      count: c.count,
      prototype: Float64Array.from(c.prototype),
      eigenvalues: Float64Array.from(c.eigenvalues),
      eigenvectors: Float64Array.from(c.eigenvectors),
      residualVariance: c.residualVariance,
    })),
  };
  checkGeometry(message, { dim: s.dim }, 'geometry snapshot');
  return message;
}

export function geometryFromWire(message: wire.GeometrySnapshot, expected: EmbeddingShape, where: string): GeometrySnapshot {
  checkGeometry(message, expected, `${where}: geometry`);
  const classes = message.classes.map((c) => ({
    label: c.label,
    count: c.count,
    prototype: toFloat32(c.prototype, `${where}: geometry class ${c.label} prototype`),
    eigenvalues: toFloat32(c.eigenvalues, `${where}: geometry class ${c.label} eigenvalues`),
    eigenvectors: toFloat32(c.eigenvectors, `${where}: geometry class ${c.label} eigenvectors`),
    residualVariance: c.residualVariance,
  }));
  return { round: message.round, dim: message.dim, classes, withheld: [], noise: null };
}

function checkGeometry(g: wire.GeometrySnapshot, expected: EmbeddingShape, at: string): void {
  if (g.dim !== expected.dim) throw new WireError('BAD_SHAPE', `${at}: dimension ${g.dim}, the model's embeddings have ${expected.dim}`);
  const seen = new Set<number>();
  for (const c of g.classes) {
    const where = `${at}: class ${c.label}`;
    checkLabel(c.label, expected, seen, where);
    if (!Number.isInteger(c.count) || c.count < 0) throw new WireError('BAD_VALUE', `${where}: count ${c.count} is not a non-negative integer`);
    if (c.prototype.length !== g.dim) throw new WireError('BAD_SHAPE', `${where}: prototype has ${c.prototype.length} values, expected ${g.dim}`);
    if (c.eigenvalues.length > g.dim) throw new WireError('BAD_SHAPE', `${where}: ${c.eigenvalues.length} eigenvalues for dimension ${g.dim}`);
    if (c.eigenvectors.length !== c.eigenvalues.length * g.dim) {
      throw new WireError('BAD_SHAPE', `${where}: eigenvectors have ${c.eigenvectors.length} values, expected ${c.eigenvalues.length} x ${g.dim}`);
    }
    assertFiniteValues(c.prototype, `${where}: prototype`);
    assertFiniteValues(c.eigenvalues, `${where}: eigenvalues`);
    assertFiniteValues(c.eigenvectors, `${where}: eigenvectors`);
    if (!Number.isFinite(c.residualVariance)) throw new WireError('NON_FINITE', `${where}: residual variance is ${c.residualVariance}`);
    if (c.eigenvalues.some((v) => v < 0) || c.residualVariance < 0) throw new WireError('BAD_VALUE', `${where}: eigenvalues and residual variance must be >= 0`);
  }
}

// ----- class statistics -----

export function statisticsToWire(stats: EmbeddingStats): wire.ClassStatistics {
  const check = validateStats(stats, stats);
  if (!check.ok) throw new WireError('BAD_VALUE', `class statistics: ${check.reason}`);
  return { dim: stats.dim, classes: stats.classes.map((c) => ({ label: c.label, count: c.count, sum: c.sum, sumOuter: c.outer })) };
}

/**
 * Statistics as the coordinator pools them, after every check the pool relies on (shape, labels, integer counts
 * >= 1, finite values, a symmetric sum of outer products consistent with the sums): a refused message never
 * reaches the pool.
 */
export function statisticsFromWire(message: wire.ClassStatistics, expected: Required<EmbeddingShape>, where: string): EmbeddingStats {
  if (message.dim !== expected.dim) throw new WireError('BAD_SHAPE', `${where}: statistics of dimension ${message.dim}, the model's embeddings have ${expected.dim}`);
  const classes = message.classes.map((c) => ({ label: c.label, count: c.count, sum: c.sum, outer: c.sumOuter }));
  const check = validateStats({ numClasses: expected.numClasses, dim: message.dim, classes }, expected);
  if (!check.ok) throw new WireError('BAD_VALUE', `${where}: statistics: ${check.reason}`);
  // Sorted by label, as EmbeddingStats keeps them.
  return { numClasses: expected.numClasses, dim: expected.dim, classes: classes.sort((a, b) => a.label - b.label) };
}

// ----- shared checks -----

function checkLabel(label: number, expected: EmbeddingShape, seen: Set<number>, where: string): void {
  const limit = expected.numClasses ?? Infinity;
  if (!Number.isInteger(label) || label < 0 || label >= limit) {
    throw new WireError('BAD_VALUE', `${where}: label is not an integer in [0, ${expected.numClasses ?? 'K'})`);
  }
  if (seen.has(label)) throw new WireError('BAD_VALUE', `${where}: label appears twice`);
  seen.add(label);
}

/** float64 -> float32, refusing values beyond float32's range (they would become infinities). */
function toFloat32(values: Float64Array, where: string): Float32Array {
  const out = Float32Array.from(values);
  assertFiniteValues(out, where);
  return out;
}
