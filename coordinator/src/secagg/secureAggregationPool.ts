/**
 * Secure aggregation for the FedAvg family and GeoFed's class statistics, as a ClientPool wrapper: the clients of
 * a round train as usual, then each encodes n_k (w_k - w_global), n_k and its statistics in fixed point, masks
 * them, and the server side of the protocol recovers only their sum. The round engine then sees ONE update, the
 * sample-weighted mean of the survivors with their pooled statistics, which is exactly what FedAvg's running mean
 * and the geometry service's pool would have computed from the individual updates (within the fixed-point bound).
 */
import type { MethodPlan } from '@geofed/shared/config/method';
import { GeoFedError } from '@geofed/shared/errors';
import type { ClientUpdate, RoundTask } from '@geofed/shared/federation/task';
import type { EmbeddingStats } from '@geofed/shared/geometry/stats';
import { roundThreshold, type SecureAggregationSettings } from '@geofed/shared/secagg/config';
import { FixedPointLayout } from '@geofed/shared/secagg/fixedPoint';
import type { SegmentSpec } from '@geofed/shared/secagg/fixedPoint';
import { secureSumInProcess } from '@geofed/shared/secagg/inProcess';
import { packStats, statsSegments, unpackStats } from '@geofed/shared/secagg/statsLayout';
import type { WeightList } from '@geofed/shared/tensor/weights';
import type { ClientOutcome, ClientPool, DispatchOptions } from '../engine/clientPool.ts';

export interface SecureAggregationPoolOptions {
  readonly settings: SecureAggregationSettings;
  /** Most training samples any client holds: bounds n_k, and with it every segment's range. */
  readonly maxSamples: number;
  /** Set when clients report class statistics; clipNorm is the per-sample embedding norm bound they clip to. */
  readonly statistics?: { readonly numClasses: number; readonly dim: number; readonly clipNorm: number };
  /** Bytes of the task payload sent to one client, when the inner pool does not measure them itself. */
  payloadBytes?(task: RoundTask, clientId: string): number;
}

const SEGMENT = { update: 'update', samples: 'samples' } as const;

/** Strategies that must see every individual update cannot run on a sum; say so before round 1. */
export function assertSecureAggregationFits(strategy: { name: string; needsAllUpdates: boolean }): void {
  if (strategy.needsAllUpdates) {
    throw new GeoFedError(`strategy ${strategy.name} needs every client's individual update, which secure aggregation hides from the server`, {
      remedy: 'use a FedAvg-family strategy (fedavg, fedavgm, fedadam, fedyogi, fedadagrad) or set secureAggregation.enabled=false',
      code: 'SECAGG_STRATEGY',
    });
  }
}

export class SecureAggregationPool implements ClientPool {
  readonly measuresPayloadBytes = true;

  constructor(
    private readonly inner: ClientPool,
    private readonly options: SecureAggregationPoolOptions,
  ) {}

  available(): readonly string[] {
    return this.inner.available();
  }

  async *dispatch(task: RoundTask, clients: readonly string[], options: DispatchOptions): AsyncIterable<ClientOutcome> {
    const trained: Array<Extract<ClientOutcome, { ok: true }>> = [];
    let bytesDown = 0;
    for await (const outcome of this.inner.dispatch(task, clients, options)) {
      const id = outcome.ok ? outcome.update.clientId : outcome.clientId;
      const payload = this.inner.measuresPayloadBytes ? 0 : (this.options.payloadBytes?.(task, id) ?? 0);
      if (outcome.ok) {
        trained.push(outcome);
        bytesDown += outcome.bytesDown + payload;
      } else {
        yield { ...outcome, bytesDown: outcome.bytesDown + payload };
      }
    }
    if (trained.length === 0) return;
    if (trained.length < 2) {
      for (const t of trained) yield this.refuse(t, 'secure aggregation needs at least 2 clients in a round; only this one reported');
      return;
    }

    const layout = this.layout(task.weights, trained.length);
    const inputs = new Map<string, Uint32Array>();
    for (const t of trained) {
      try {
        inputs.set(t.update.clientId, layout.encode(this.segmentValues(task.weights, t.update)));
      } catch (e) {
        yield this.refuse(t, (e as Error).message);
      }
    }
    const threshold = roundThreshold(this.options.settings, trained.length);
    if (inputs.size < threshold) {
      throw new GeoFedError(`round ${task.round}: ${inputs.size} clients could take part in secure aggregation, fewer than the threshold ${threshold}`, {
        remedy: 'lower secureAggregation.threshold, raise secureAggregation.updateBound, or select more clients per round',
        code: 'SECAGG_THRESHOLD',
      });
    }
    const secure = await secureSumInProcess(inputs, { round: `round-${task.round}`, threshold });
    for (const t of trained) if (secure.survivors.includes(t.update.clientId)) t.settle?.({ accepted: true });
    yield {
      ok: true,
      update: this.combinedUpdate(task, layout, secure.sum, secure.survivors.length),
      bytesUp: secure.bytesUp,
      bytesDown: bytesDown + secure.bytesDown,
    };
  }

  private layout(global: WeightList, clients: number): FixedPointLayout {
    const { maxSamples, settings, statistics } = this.options;
    const parameters = global.reduce((n, t) => n + t.length, 0);
    const segments: SegmentSpec[] = [
      { name: SEGMENT.update, length: parameters, bound: maxSamples * settings.updateBound },
      { name: SEGMENT.samples, length: 1, bound: maxSamples },
    ];
    if (statistics) segments.push(...statsSegments(statistics.numClasses, statistics.dim, { maxCount: maxSamples, maxNorm: statistics.clipNorm }));
    return new FixedPointLayout(segments, clients);
  }

  /** n_k (w_k - w_global) flattened, n_k, and the dense statistics; an update beyond updateBound is refused. */
  private segmentValues(global: WeightList, update: ClientUpdate): Record<string, ArrayLike<number>> {
    const bound = this.options.settings.updateBound;
    const scaled = new Float64Array(global.reduce((n, t) => n + t.length, 0));
    let k = 0;
    global.forEach((g, t) => {
      const w = update.weights[t]!;
      for (let i = 0; i < g.length; i++) {
        const delta = w[i]! - g[i]!;
        if (!(Math.abs(delta) <= bound)) {
          throw new GeoFedError(`update from client "${update.clientId}" refused: weight ${t}[${i}] moved by ${delta}, beyond secureAggregation.updateBound = ${bound}`, {
            remedy: 'raise secureAggregation.updateBound or lower the learning rate',
            code: 'SECAGG_UPDATE_BOUND',
          });
        }
        scaled[k++] = update.numSamples * delta;
      }
    });
    const values: Record<string, ArrayLike<number>> = { [SEGMENT.update]: scaled, [SEGMENT.samples]: [update.numSamples] };
    if (this.options.statistics) {
      const stats = update.payload?.stats as EmbeddingStats | undefined;
      if (!stats) throw new GeoFedError(`update from client "${update.clientId}" carries no class statistics, which this method collects`);
      Object.assign(values, packStats(stats));
    }
    return values;
  }

  private combinedUpdate(task: RoundTask, layout: FixedPointLayout, sum: Uint32Array, survivors: number): ClientUpdate {
    const decoded = layout.decode(sum);
    const samples = Math.round(decoded[SEGMENT.samples]![0]!);
    const update = decoded[SEGMENT.update]!;
    let k = 0;
    const weights = task.weights.map((g) => Float32Array.from(g, (v) => v + update[k++]! / samples));
    const combined: ClientUpdate = { clientId: `secure-aggregate/round-${task.round}/${survivors}-clients`, numSamples: samples, weights };
    const { statistics } = this.options;
    if (statistics) {
      combined.payload = { stats: withinClipBounds(unpackStats(decoded, statistics.numClasses, statistics.dim), statistics.clipNorm) };
    }
    return combined;
  }

  private refuse(outcome: Extract<ClientOutcome, { ok: true }>, reason: string): ClientOutcome {
    outcome.settle?.({ accepted: false, reason });
    return { ok: false, clientId: outcome.update.clientId, reason, bytesDown: 0 };
  }
}

/**
 * Quantisation can push a pooled class a hair past what clipped embeddings allow (trace(S) <= n C^2, and
 * |s|^2 <= n trace(S), S_ii >= 0), exactly where clipping puts many samples; scaling back onto that boundary moves the
 * values by no more than the fixed-point error, and keeps them acceptable to the statistics validator.
 */
function withinClipBounds(stats: EmbeddingStats, clipNorm: number): EmbeddingStats {
  const d = stats.dim;
  for (const c of stats.classes) {
    let trace = 0;
    for (let i = 0; i < d; i++) {
      c.outer[i * d + i] = Math.max(0, c.outer[i * d + i]!);
      trace += c.outer[i * d + i]!;
    }
    const maxTrace = c.count * clipNorm ** 2;
    if (trace > maxTrace) {
      const f = maxTrace / trace;
      for (let i = 0; i < c.outer.length; i++) c.outer[i] = c.outer[i]! * f;
      trace = maxTrace;
    }
    const sumSq = c.sum.reduce((a, v) => a + v * v, 0);
    if (sumSq > c.count * trace) {
      const f = Math.sqrt((c.count * trace) / sumSq);
      for (let i = 0; i < d; i++) c.sum[i] = c.sum[i]! * f;
    }
  }
  return stats;
}

export interface SecureAggregationSetup {
  readonly settings: SecureAggregationSettings;
  readonly strategy: { name: string; needsAllUpdates: boolean };
  readonly plan: MethodPlan;
  readonly maxSamples: number;
  readonly numClasses: number;
  readonly embeddingDim: number;
  payloadBytes?(task: RoundTask, clientId: string): number;
}

/**
 * Checks that the run can use secure aggregation (before anything is started) and returns what wraps the round's
 * client pool; undefined when secure aggregation is off.
 */
export function secureAggregationFor(setup: SecureAggregationSetup): ((pool: ClientPool) => ClientPool) | undefined {
  if (!setup.settings.enabled) return undefined;
  assertSecureAggregationFits(setup.strategy);
  const { clipNorm, collectStatistics } = setup.plan;
  if (collectStatistics && clipNorm === undefined) {
    throw new GeoFedError(`secure aggregation of ${setup.plan.name}'s class statistics needs an embedding norm bound to size its fixed-point range`, {
      remedy: 'set privacy.clipNorm (clients clip every embedding to it), e.g. --set privacy.clipNorm=10',
      code: 'SECAGG_CLIP_NORM',
    });
  }
  return (pool) => new SecureAggregationPool(pool, {
    settings: setup.settings,
    maxSamples: setup.maxSamples,
    ...(collectStatistics && clipNorm !== undefined ? { statistics: { numClasses: setup.numClasses, dim: setup.embeddingDim, clipNorm } } : {}),
    ...(setup.payloadBytes ? { payloadBytes: setup.payloadBytes } : {}),
  });
}
