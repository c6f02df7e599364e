/**
 * What a cluster round puts in Redis, as the protocol's own protobuf envelopes (the same validated mapping edge
 * clients use): the round task once per round, and per job its updates (individual ones, or one partial aggregate).
 */
import { randomUUID } from 'node:crypto';
import type { ClientUpdate, RoundTask } from '@geofed/shared/federation/task';
import { mergeStats, type EmbeddingStats } from '@geofed/shared/geometry/stats';
import type { FixedClassifier } from '@geofed/shared/math/classifiers/index';
import type { WeightList, WeightSpec } from '@geofed/shared/tensor/weights';
import { decodeEnvelope, encodeEnvelope } from '@geofed/shared/wire/codec';
import { roundTaskFromWire, roundTaskToWire, updateFromWire, updateToWire, type ReceivedTask, type ReceiverModel } from '@geofed/shared/wire/federation';
import { PROTOCOL_VERSION } from '@geofed/shared/wire/messages';

/** Far above any model GeoFed trains; Redis values and the queue are the only carriers. */
const MAX_MESSAGE_BYTES = 2 ** 30;

export interface ClusterTaskOptions {
  readonly modelSpec: string;
  readonly weightSpecs: readonly WeightSpec[];
  readonly classifier?: FixedClassifier;
}

export function encodeClusterTask(task: RoundTask, options: ClusterTaskOptions): Uint8Array {
  const value = roundTaskToWire(task, { ...options, encoding: 'f32', deadlineMs: 0 });
  return encodeEnvelope({ protocolVersion: PROTOCOL_VERSION, messageId: randomUUID(), payload: { case: 'roundTask', value } });
}

export function decodeClusterTask(bytes: Uint8Array, modelFor: (classifier: FixedClassifier | undefined) => ReceiverModel): ReceivedTask {
  const envelope = decodeEnvelope(bytes, { maxMessageBytes: MAX_MESSAGE_BYTES });
  if (envelope.payload.case !== 'roundTask') throw new Error(`cluster round task: got a ${envelope.payload.case} message`);
  return roundTaskFromWire(envelope.payload.value, modelFor);
}

/** Updates, each a length-prefixed Update envelope, in one buffer. */
export function encodeUpdates(updates: readonly ClientUpdate[], round: number, weightSpecs: readonly WeightSpec[], reference: WeightList): Buffer {
  const parts: Buffer[] = [];
  for (const update of updates) {
    const value = updateToWire(update, { round, modelVersion: round, weightSpecs, encoding: 'f32', reference });
    const bytes = encodeEnvelope({ protocolVersion: PROTOCOL_VERSION, messageId: randomUUID(), payload: { case: 'update', value } });
    const length = Buffer.alloc(4);
    length.writeUInt32LE(bytes.byteLength);
    parts.push(length, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  return Buffer.concat(parts);
}

export function decodeUpdates(
  buffer: Buffer,
  weightSpecs: readonly WeightSpec[],
  reference: WeightList,
  statistics?: { readonly numClasses: number; readonly dim: number },
): ClientUpdate[] {
  const updates: ClientUpdate[] = [];
  for (let at = 0; at < buffer.length; ) {
    const length = buffer.readUInt32LE(at);
    const envelope = decodeEnvelope(buffer.subarray(at + 4, at + 4 + length), { maxMessageBytes: MAX_MESSAGE_BYTES });
    if (envelope.payload.case !== 'update') throw new Error(`cluster results: got a ${envelope.payload.case} message`);
    updates.push(updateFromWire(envelope.payload.value, weightSpecs, reference, statistics));
    at += 4 + length;
  }
  return updates;
}

/**
 * The batch's updates as one: the sample-weighted mean of the weights (summed in float64), the summed sample
 * counts and class statistics, the sample-weighted mean of the metrics. This is what FedAvg's running mean and the
 * geometry pool make of the individual updates, up to the order of the float additions.
 */
export function partialAggregate(updates: readonly ClientUpdate[], id: string): ClientUpdate {
  const first = updates[0]!;
  const total = updates.reduce((n, u) => n + u.numSamples, 0);
  const sums = first.weights.map((w) => new Float64Array(w.length));
  const metricSums: Record<string, number> = {};
  let stats: EmbeddingStats | undefined;
  for (const u of updates) {
    u.weights.forEach((w, t) => {
      const sum = sums[t]!;
      for (let i = 0; i < w.length; i++) sum[i]! += u.numSamples * w[i]!;
    });
    for (const [key, value] of Object.entries(u.metrics ?? {})) metricSums[key] = (metricSums[key] ?? 0) + u.numSamples * value;
    const s = u.payload?.stats as EmbeddingStats | undefined;
    if (s) stats = stats ? mergeStats(stats, s) : s;
  }
  const metrics = Object.fromEntries(Object.entries(metricSums).map(([k, v]) => [k, v / total]));
  return {
    clientId: id,
    numSamples: total,
    weights: sums.map((sum) => Float32Array.from(sum, (v) => v / total)),
    localSteps: updates.reduce((n, u) => n + (u.localSteps ?? 0), 0),
    metrics,
    ...(stats ? { payload: { stats } } : {}),
  };
}
