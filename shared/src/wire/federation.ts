import { localTrainSchema } from '../config/localTrain.ts';
import type { ClientUpdate, RoundTask } from '../federation/task.ts';
import type { WeightList, WeightSpec } from '../tensor/weights.ts';
import { WireError } from './errors.ts';
import type * as wire from './messages.ts';
import { bundleFromWeights, decodeBundle, weightsFromBundle } from './tensorCodec.ts';

/**
 * The round engine's task and update types <-> their protobuf messages. Both directions validate: what comes off
 * the wire is checked against the receiver's model (names, shapes, finite values, sane counts) before anything
 * uses it. GeoFed's method payloads (fixed classifier, geometry) are not mapped yet: a task carrying one is refused.
 */

/** How the coordinator describes one round's task on the wire (the same bytes go to every selected client). */
export interface TaskWireOptions {
  /** The model's architecture as both sides name it (GeoFed sends the ModelSpec as JSON). */
  readonly modelSpec: string;
  readonly weightSpecs: readonly WeightSpec[];
  readonly encoding: wire.Encoding;
  readonly deadlineMs: number;
}

export function roundTaskToWire(task: RoundTask, options: TaskWireOptions): wire.RoundTask {
  if (task.payload !== undefined && Object.keys(task.payload).length > 0) {
    throw new WireError('BAD_ENCODING', `round ${task.round}: method payloads (${Object.keys(task.payload).join(', ')}) are not carried over the wire yet`);
  }
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
      flags: {},
      params: { momentum: train.momentum, weightDecay: train.weightDecay },
    },
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
}

/**
 * A task as a client receives it. With `expected` (the client's model), the weights must match it exactly;
 * without, any well-formed bundle is taken (clients that do not train, e.g. transport benchmarks).
 */
export function roundTaskFromWire(message: wire.RoundTask, expected?: readonly WeightSpec[]): ReceivedTask {
  const { config } = message;
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
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new WireError('BAD_VALUE', `round ${message.round}: training config: ${problems}`);
  }
  const tensors = decodeBundle(message.weights, expected);
  return {
    task: { round: message.round, weights: tensors.map((t) => t.values), train: parsed.data, seed: config.seed ?? 0 },
    modelSpec: message.modelSpec,
    modelVersion: message.modelVersion,
    deadlineMs: message.deadlineMs,
    weightSpecs: tensors.map((t) => ({ name: t.name, shape: [...t.shape] })),
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
 */
export function updateFromWire(message: wire.Update, weightSpecs: readonly WeightSpec[], reference: WeightList): ClientUpdate {
  const { numSamples } = message;
  if (!Number.isInteger(numSamples) || numSamples < 1 || numSamples > MAX_UPDATE_SAMPLES) {
    throw new WireError('BAD_VALUE', `update from ${message.clientId}: numSamples ${numSamples} is not an integer in [1, 2^40]`);
  }
  const decoded = weightsFromBundle(message.weights, weightSpecs);
  const weights = message.kind === 'delta' ? decoded.map((d, i) => addChecked(d, reference[i]!, weightSpecs[i]!.name)) : decoded;
  return {
    clientId: message.clientId,
    numSamples,
    weights,
    localSteps: message.localSteps,
    metrics: { ...message.metrics },
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
