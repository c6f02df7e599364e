import { describeIssues } from '../config/describeIssues.ts';
import { localTrainSchema } from '../config/localTrain.ts';
import type { ClientUpdate, MethodPayload, RoundTask } from '../federation/task.ts';
import type { EmbeddingStats } from '../geometry/stats.ts';
import type { FixedClassifier } from '../math/classifiers/index.ts';
import type { WeightList, WeightSpec } from '../tensor/weights.ts';
import { WireError } from './errors.ts';
import type * as wire from './messages.ts';
import {
  classifierFromWire,
  classifierToWire,
  geometryFromWire,
  geometryToWire,
  methodPlanFromWire,
  methodPlanToWire,
  statisticsFromWire,
  statisticsToWire,
  type ReceiverModel,
} from './methodPayload.ts';
import { checkStatisticsCount, checkStatisticsMoments } from './statisticsContract.ts';
import { bundleFromWeights, decodeBundle, weightsFromBundle } from './tensorCodec.ts';

export type { ReceiverModel } from './methodPayload.ts';

/**
 * The round engine's task and update types <-> their protobuf messages. Both directions validate: what comes off
 * the wire is checked against the receiver's model (names, shapes, finite values, sane counts) before anything
 * uses it. Method payloads (plan, geometry; statistics in updates) are mapped by methodPayload.ts; a payload key
 * without a wire mapping is refused rather than dropped.
 */

/** The task payload keys the wire carries (MethodPayload's). */
const TASK_PAYLOAD_KEYS: ReadonlySet<string> = new Set(['method', 'geometry']);
/** The update payload keys the wire carries. */
const UPDATE_PAYLOAD_KEYS: ReadonlySet<string> = new Set(['stats']);

function refuseUnmapped(payload: Readonly<Record<string, unknown>> | undefined, known: ReadonlySet<string>, where: string): void {
  const unknown = Object.keys(payload ?? {}).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new WireError('BAD_ENCODING', `${where}: payload ${unknown.join(', ')} has no wire mapping`);
}

/** How the coordinator describes one round's task on the wire (the same bytes go to every selected client). */
export interface TaskWireOptions {
  /** The model's architecture as both sides name it (GeoFed sends the ModelSpec as JSON). */
  readonly modelSpec: string;
  readonly weightSpecs: readonly WeightSpec[];
  readonly encoding: wire.Encoding;
  readonly deadlineMs: number;
  /**
   * The fixed head the model trains against (same for every round). Shipped with its weights, so that no client
   * depends on rebuilding it bit for bit; a few kilobytes next to the model.
   */
  readonly classifier?: FixedClassifier;
}

export function roundTaskToWire(task: RoundTask, options: TaskWireOptions): wire.RoundTask {
  refuseUnmapped(task.payload, TASK_PAYLOAD_KEYS, `round ${task.round}`);
  const { method, geometry } = (task.payload ?? {}) as MethodPayload;
  const methodMaps = method ? methodPlanToWire(method) : { flags: {}, params: {} };
  const { train } = task;
  return {
    round: task.round,
    modelVersion: task.round - 1,
    modelSpec: options.modelSpec,
    weights: bundleFromWeights(task.weights, options.weightSpecs, options.encoding),
    config: {
      localEpochs: train.epochs,
      batchSize: train.batchSize,
      learningRate: train.lr,
      optimizer: train.optimizer,
      proximalMu: train.proximalMu,
      // The run seed: each client derives its own shuffling seed from it, its id and the round (clientSeed).
      seed: task.seed,
      flags: methodMaps.flags,
      params: { ...methodMaps.params, momentum: train.momentum, weightDecay: train.weightDecay },
    },
    ...(options.classifier ? { classifier: classifierToWire(options.classifier, true) } : {}),
    ...(geometry ? { geometry: geometryToWire(geometry) } : {}),
    deadlineMs: options.deadlineMs,
    extraTensors: {},
  };
}

export interface ReceivedTask {
  readonly task: RoundTask;
  readonly modelSpec: string;
  readonly modelVersion: number;
  readonly deadlineMs: number;
  /** Names and shapes of the task's weights, in order (what an update must send back). */
  readonly weightSpecs: WeightSpec[];
  /** The fixed head to train against, its checksum verified. */
  readonly classifier?: FixedClassifier;
}

/**
 * A task as a client receives it. `modelFor` gives the client's model for the task's fixed classifier (undefined:
 * a learned head); the weights must match it exactly and the geometry must fit its embeddings. Where it gives no
 * model, any well-formed bundle is taken (clients that do not train, e.g. transport benchmarks).
 */
export function roundTaskFromWire(message: wire.RoundTask, modelFor?: (classifier: FixedClassifier | undefined) => ReceiverModel | undefined): ReceivedTask {
  const { config } = message;
  const where = `round ${message.round}`;
  const parsed = localTrainSchema.safeParse({
    epochs: config.localEpochs,
    batchSize: config.batchSize,
    lr: config.learningRate,
    optimizer: config.optimizer,
    momentum: config.params.momentum ?? 0,
    weightDecay: config.params.weightDecay ?? 0,
    proximalMu: config.proximalMu,
  });
  if (!parsed.success) {
    throw new WireError('BAD_VALUE', `${where}: training config: ${describeIssues(parsed.error)}`);
  }
  const classifier = message.classifier ? classifierFromWire(message.classifier, where) : undefined;
  const model = modelFor?.(classifier);
  const tensors = decodeBundle(message.weights, model?.weightSpecs);
  const payload: MethodPayload = {};
  const method = methodPlanFromWire(config, where);
  if (method) payload.method = method;
  if (message.geometry) {
    const shape = model ? { dim: model.embeddingDim, numClasses: model.numClasses } : { dim: message.geometry.dim };
    payload.geometry = geometryFromWire(message.geometry, shape, where);
  }
  const task: RoundTask = { round: message.round, weights: tensors.map((t) => t.values), train: parsed.data, seed: config.seed ?? 0 };
  return {
    task: Object.keys(payload).length > 0 ? { ...task, payload } : task,
    modelSpec: message.modelSpec,
    modelVersion: message.modelVersion,
    deadlineMs: message.deadlineMs,
    weightSpecs: tensors.map((t) => ({ name: t.name, shape: [...t.shape] })),
    ...(classifier ? { classifier } : {}),
  };
}

export interface UpdateWireOptions {
  readonly round: number;
  readonly modelVersion: number;
  readonly weightSpecs: readonly WeightSpec[];
  readonly encoding: wire.Encoding;
  /** The task's weights: with a lossy encoding the update travels as a delta from them, which quantises better. */
  readonly reference: WeightList;
}

export function updateToWire(update: ClientUpdate, options: UpdateWireOptions): wire.Update {
  refuseUnmapped(update.payload, UPDATE_PAYLOAD_KEYS, `update for round ${options.round}`);
  const stats = update.payload?.stats as EmbeddingStats | undefined;
  const delta = options.encoding !== 'f32';
  const weights = delta ? update.weights.map((w, i) => subtract(w, options.reference[i]!)) : update.weights;
  return {
    round: options.round,
    modelVersion: options.modelVersion,
    clientId: update.clientId,
    numSamples: update.numSamples,
    localSteps: update.localSteps ?? 0,
    kind: delta ? 'delta' : 'weights',
    weights: bundleFromWeights(weights, options.weightSpecs, options.encoding),
    ...(stats ? { statistics: statisticsToWire(stats) } : {}),
    metrics: { ...update.metrics },
    extraTensors: {},
  };
}

function subtract(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! - b[i]!;
  return out;
}

/** Most samples one update may claim; beyond it the count is a lie or a bug, and would swamp a weighted mean. */
export const MAX_UPDATE_SAMPLES = 2 ** 40;

/**
 * An update as the coordinator receives it, validated before it can reach an aggregator: tensor names and shapes
 * are the model's, every value is finite (also after adding a delta), the sample count is a positive integer.
 * Where the coordinator collects class statistics (`statistics`: its embedding shape, for the methods that pool
 * them) every update must carry them, and they must pass every check the geometry pool relies on and agree with
 * the sample count; elsewhere an update must not carry any. Otherwise the whole update is refused.
 */
export function updateFromWire(
  message: wire.Update,
  weightSpecs: readonly WeightSpec[],
  reference: WeightList,
  statistics?: { readonly numClasses: number; readonly dim: number },
): ClientUpdate {
  const { numSamples } = message;
  if (!Number.isInteger(numSamples) || numSamples < 1 || numSamples > MAX_UPDATE_SAMPLES) {
    throw new WireError('BAD_VALUE', `update from ${message.clientId}: numSamples ${numSamples} is not an integer in [1, 2^40]`);
  }
  const where = `update from ${message.clientId}`;
  if (message.statistics && !statistics) throw new WireError('BAD_VALUE', `${where}: carries class statistics, which this coordinator does not collect`);
  if (!message.statistics && statistics) {
    throw new WireError('MISSING_FIELD', `${where}: carries no class statistics, which this run's method requires`, {
      remedy: 'collect ClassStatistics whenever the task sets feature_synthesis or prototypes',
    });
  }
  const stats = message.statistics && statistics ? statisticsFromWire(message.statistics, statistics, where) : undefined;
  if (stats) {
    checkStatisticsCount(stats, numSamples, where);
    checkStatisticsMoments(stats, where);
  }
  const decoded = weightsFromBundle(message.weights, weightSpecs);
  const weights = message.kind === 'delta' ? decoded.map((d, i) => addChecked(d, reference[i]!, weightSpecs[i]!.name)) : decoded;
  return {
    clientId: message.clientId,
    numSamples,
    weights,
    localSteps: message.localSteps,
    metrics: { ...message.metrics },
    ...(stats ? { payload: { stats } } : {}),
  };
}

/** delta + reference in place; float32 overflow would turn finite inputs into infinities, so it is checked. */
function addChecked(delta: Float32Array, reference: Float32Array, name: string): Float32Array {
  for (let i = 0; i < delta.length; i++) {
    delta[i]! += reference[i]!;
    if (!Number.isFinite(delta[i]!)) throw new WireError('NON_FINITE', `tensor ${name}: value ${i} overflows when the delta is applied`);
  }
  return delta;
}
