/**
 * Server-side aggregation of a whole round before the round engine sees it, as a ClientPool wrapper. It serves
 * two privacy features that both need the round's SUM rather than the individual updates:
 *
 * - Secure aggregation: each client encodes w_k (w_k - w_global), w_k and its class statistics in fixed point and
 *   masks them; the protocol recovers only their sum.
 * - DP-FedAvg (McMahan et al., "Learning Differentially Private Recurrent Language Models", 2018): each client
 *   clips its update to L2 norm S and counts with weight 1, so one client moves the sum by at most S; the server
 *   adds N(0, (z S)^2) to the sum before averaging.
 *
 * w_k is n_k (FedAvg's sample weighting), or 1 under DP-FedAvg. The engine then gets ONE update, the weighted mean
 * of the round with the pooled statistics: what FedAvg's running mean and the geometry pool would have computed
 * from the individual updates (within the fixed-point bound), plus the DP noise when configured.
 */
import type { MethodPlan } from '@geofed/shared/config/method';
import { GeoFedError } from '@geofed/shared/errors';
import type { ClientUpdate, RoundTask } from '@geofed/shared/federation/task';
import { validateStats, type EmbeddingStats } from '@geofed/shared/geometry/stats';
import { Rng } from '@geofed/shared/math/rng';
import type { DpFedAvgSettings, PrivacySettings } from '@geofed/shared/privacy/config';
import { roundThreshold, type SecureAggregationSettings } from '@geofed/shared/secagg/config';
import { FixedPointLayout } from '@geofed/shared/secagg/fixedPoint';
import type { SegmentSpec } from '@geofed/shared/secagg/fixedPoint';
import { secureSumInProcess } from '@geofed/shared/secagg/inProcess';
import { packStats, STATS_SEGMENTS, statsSegments, unpackStats } from '@geofed/shared/secagg/statsLayout';
import type { WeightList } from '@geofed/shared/tensor/weights';
import type { ClientOutcome, ClientPool, DispatchOptions } from '../engine/clientPool.ts';

type Trained = Extract<ClientOutcome, { ok: true }>;
type Sums = Record<string, Float64Array>;

export interface AggregatingPoolOptions {
  /** Sum under secure aggregation; absent: the server adds the (clipped) updates in the clear. */
  readonly secure?: SecureAggregationSettings;
  readonly dpFedAvg?: DpFedAvgSettings;
  /**
   * Distributed DP (under secure aggregation only): each of the round's m clients adds N(0, T^2 / m) to what it
   * sends, T being the noise std the server would add centrally, so the sum carries noise of std T and nobody sees
   * it without. statsNoiseMultiplier is privacy.noiseMultiplier for the class statistics.
   */
  readonly distributed?: { readonly statsNoiseMultiplier: number | undefined };
  /** Most training samples any client holds: bounds n_k, and with it the fixed-point ranges. */
  readonly maxSamples: number;
  /** Set when clients report class statistics; clipNorm (needed under secure aggregation) bounds each embedding. */
  readonly statistics?: { readonly numClasses: number; readonly dim: number; readonly clipNorm: number | undefined };
  /** Seeds the DP noise, so a run is reproducible from its seed. */
  readonly seed: number;
  /** Bytes of the task payload sent to one client, when the inner pool does not measure them itself. */
  payloadBytes?(task: RoundTask, clientId: string): number;
}

const SEGMENT = { update: 'update', weight: 'weight' } as const;
/** A client's noise share stays within this many standard deviations but with probability below 1e-15. */
const NOISE_MARGIN_STDS = 8;

export class AggregatingPool implements ClientPool {
  readonly measuresPayloadBytes = true;

  constructor(
    private readonly inner: ClientPool,
    private readonly options: AggregatingPoolOptions,
  ) {}

  available(): readonly string[] {
    return this.inner.available();
  }

  async *dispatch(task: RoundTask, clients: readonly string[], options: DispatchOptions): AsyncIterable<ClientOutcome> {
    const trained: Trained[] = [];
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

    const values = new Map<string, Record<string, ArrayLike<number>>>();
    for (const t of trained) {
      try {
        const own = this.segmentValues(task.weights, t.update);
        if (this.options.distributed) this.addNoiseShare(own, task.round, t.update.clientId, trained.length);
        values.set(t.update.clientId, own);
      } catch (e) {
        yield refuse(t, (e as Error).message);
      }
    }
    if (values.size === 0) return;
    const summed = this.options.secure ? await this.secureSum(task, values) : { ...plainSum(values), bytesUp: sumOf(trained, (t) => t.bytesUp), bytesDown: 0 };
    for (const t of trained) if (summed.included.includes(t.update.clientId)) t.settle?.({ accepted: true });
    yield {
      ok: true,
      update: this.combinedUpdate(task, summed.sums, summed.included.length),
      bytesUp: summed.bytesUp,
      bytesDown: bytesDown + summed.bytesDown,
    };
  }

  private async secureSum(task: RoundTask, values: Map<string, Record<string, ArrayLike<number>>>): Promise<{ sums: Sums; included: readonly string[]; bytesUp: number; bytesDown: number }> {
    const settings = this.options.secure!;
    if (values.size < 2) throw new GeoFedError(`round ${task.round}: secure aggregation needs at least 2 clients, only ${values.size} reported`);
    const layout = this.layout(task.weights, settings, values.size, values.size);
    const inputs = new Map<string, Uint32Array>();
    for (const [id, v] of values) inputs.set(id, layout.encode(v));
    const threshold = roundThreshold(settings, values.size);
    if (inputs.size < threshold) {
      throw new GeoFedError(`round ${task.round}: ${inputs.size} clients could take part in secure aggregation, fewer than the threshold ${threshold}`, {
        remedy: 'lower secureAggregation.threshold, raise secureAggregation.updateBound, or select more clients per round',
        code: 'SECAGG_THRESHOLD',
      });
    }
    const secure = await secureSumInProcess(inputs, { round: `round-${task.round}`, threshold });
    return { sums: layout.decode(secure.sum), included: secure.survivors, bytesUp: secure.bytesUp, bytesDown: secure.bytesDown };
  }

  private layout(global: WeightList, settings: SecureAggregationSettings, clients: number, noiseShares: number): FixedPointLayout {
    const { maxSamples, statistics, dpFedAvg } = this.options;
    const parameters = global.reduce((n, t) => n + t.length, 0);
    const stds = this.noiseShareStds(noiseShares);
    const margin = (segment: string) => NOISE_MARGIN_STDS * (stds[segment] ?? 0);
    const segments: SegmentSpec[] = [
      // A clipped update has every coordinate within S; otherwise each moves at most updateBound, times n_k.
      { name: SEGMENT.update, length: parameters, bound: (dpFedAvg ? dpFedAvg.clipNorm : maxSamples * settings.updateBound) + margin(SEGMENT.update) },
      { name: SEGMENT.weight, length: 1, bound: dpFedAvg ? 1 : maxSamples },
    ];
    if (statistics) {
      const specs = statsSegments(statistics.numClasses, statistics.dim, { maxCount: maxSamples, maxNorm: statistics.clipNorm! });
      segments.push(...specs.map((s) => ({ ...s, bound: s.bound + margin(s.name) })));
    }
    return new FixedPointLayout(segments, clients);
  }

  /** Per segment, the std of one client's noise share when `shares` clients each add one (distributed DP). */
  private noiseShareStds(shares: number): Record<string, number> {
    const { distributed, dpFedAvg, statistics } = this.options;
    if (!distributed) return {};
    const perShare = 1 / Math.sqrt(shares);
    const stds: Record<string, number> = {};
    if (dpFedAvg) stds[SEGMENT.update] = dpFedAvg.noiseMultiplier * dpFedAvg.clipNorm * perShare;
    const sigma = distributed.statsNoiseMultiplier;
    if (statistics && sigma !== undefined) {
      const c = statistics.clipNorm!;
      stds[STATS_SEGMENTS.counts] = sigma * perShare;
      stds[STATS_SEGMENTS.sums] = sigma * c * perShare;
      stds[STATS_SEGMENTS.outer] = sigma * c * c * perShare;
    }
    return stds;
  }

  /** The client's side of distributed DP: its share of the noise, seeded by run, round and client. */
  private addNoiseShare(values: Record<string, ArrayLike<number>>, round: number, clientId: string, shares: number): void {
    const rng = new Rng(`dp-share:${this.options.seed}:${round}:${clientId}`);
    for (const [segment, std] of Object.entries(this.noiseShareStds(shares))) {
      const noisy = Float64Array.from(values[segment]!);
      for (let i = 0; i < noisy.length; i++) noisy[i]! += std * rng.normal();
      values[segment] = noisy;
    }
  }

  /** What one client contributes to the sums (its own side of the protocol): weighted update, weight, statistics. */
  private segmentValues(global: WeightList, update: ClientUpdate): Record<string, ArrayLike<number>> {
    const { dpFedAvg, secure, statistics } = this.options;
    const delta = new Float64Array(global.reduce((n, t) => n + t.length, 0));
    let k = 0;
    global.forEach((g, t) => {
      const w = update.weights[t]!;
      for (let i = 0; i < g.length; i++) delta[k++] = w[i]! - g[i]!;
    });
    if (dpFedAvg) clipInPlace(delta, dpFedAvg.clipNorm);
    else if (secure) {
      const far = delta.findIndex((d) => !(Math.abs(d) <= secure.updateBound));
      if (far >= 0) {
        throw new GeoFedError(`update from client "${update.clientId}" refused: weight ${far} moved by ${delta[far]}, beyond secureAggregation.updateBound = ${secure.updateBound}`, {
          remedy: 'raise secureAggregation.updateBound or lower the learning rate',
          code: 'SECAGG_UPDATE_BOUND',
        });
      }
    }
    const weight = dpFedAvg ? 1 : update.numSamples;
    for (let i = 0; i < delta.length; i++) delta[i]! *= weight;
    const values: Record<string, ArrayLike<number>> = { [SEGMENT.update]: delta, [SEGMENT.weight]: [weight] };
    if (statistics) {
      const check = validateStats(update.payload?.stats, statistics);
      if (!check.ok) throw new GeoFedError(`class statistics from client "${update.clientId}" refused: ${check.reason}`);
      Object.assign(values, packStats(check.stats));
    }
    return values;
  }

  private combinedUpdate(task: RoundTask, sums: Sums, included: number): ClientUpdate {
    const totalWeight = sums[SEGMENT.weight]![0]!;
    const update = sums[SEGMENT.update]!;
    const { dpFedAvg, statistics } = this.options;
    if (dpFedAvg && !this.options.distributed) {
      // Central noise on the sum: std z S, S being what one client can move it by.
      const rng = new Rng(`dp-fedavg:${this.options.seed}:${task.round}`);
      const std = dpFedAvg.noiseMultiplier * dpFedAvg.clipNorm;
      for (let i = 0; i < update.length; i++) update[i]! += std * rng.normal();
    }
    let k = 0;
    const weights = task.weights.map((g) => Float32Array.from(g, (v) => v + update[k++]! / totalWeight));
    // numSamples: the samples behind the mean under FedAvg weighting; under DP-FedAvg, the client count.
    const combined: ClientUpdate = { clientId: `aggregate/round-${task.round}/${included}-clients`, numSamples: Math.round(totalWeight), weights };
    if (statistics) {
      const stats = unpackStats(sums, statistics.numClasses, statistics.dim);
      combined.payload = { stats: statistics.clipNorm === undefined ? stats : withinClipBounds(stats, statistics.clipNorm) };
    }
    return combined;
  }
}

function refuse(outcome: Trained, reason: string): ClientOutcome {
  outcome.settle?.({ accepted: false, reason });
  return { ok: false, clientId: outcome.update.clientId, reason, bytesDown: 0 };
}

function sumOf<T>(items: readonly T[], f: (t: T) => number): number {
  return items.reduce((n, t) => n + f(t), 0);
}

function plainSum(values: Map<string, Record<string, ArrayLike<number>>>): { sums: Sums; included: string[] } {
  const sums: Sums = {};
  for (const v of values.values()) {
    for (const [name, segment] of Object.entries(v)) {
      const into = (sums[name] ??= new Float64Array(segment.length));
      for (let i = 0; i < segment.length; i++) into[i]! += segment[i]!;
    }
  }
  return { sums, included: [...values.keys()] };
}

/** Scales v to L2 norm <= bound. */
function clipInPlace(v: Float64Array, bound: number): void {
  const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  if (norm <= bound) return;
  const f = bound / norm;
  for (let i = 0; i < v.length; i++) v[i]! *= f;
}

/**
 * Quantisation can push a pooled class a hair past what clipped embeddings allow (trace(S) <= n C^2,
 * |s|^2 <= n trace(S), S_ii >= 0), exactly where clipping puts many samples; scaling back onto that boundary moves
 * the values by no more than the fixed-point error, and keeps them acceptable to the statistics validator.
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

export interface AggregationSetup {
  readonly secureAggregation: SecureAggregationSettings;
  readonly privacy: PrivacySettings;
  readonly strategy: { name: string; needsAllUpdates: boolean };
  readonly plan: MethodPlan;
  readonly maxSamples: number;
  readonly numClasses: number;
  readonly embeddingDim: number;
  readonly seed: number;
  payloadBytes?(task: RoundTask, clientId: string): number;
}

/**
 * Checks that the run can aggregate this way (before anything is started) and returns what wraps the round's
 * client pool; undefined when neither secure aggregation nor DP-FedAvg is on.
 */
export function aggregationFor(setup: AggregationSetup): ((pool: ClientPool) => ClientPool) | undefined {
  const secure = setup.secureAggregation.enabled;
  const { dpFedAvg, mode } = setup.privacy;
  if (mode === 'distributed' && !secure) {
    throw new GeoFedError('privacy.mode=distributed has each client add a share of the noise, which only secure aggregation keeps hidden', {
      remedy: 'set secureAggregation.enabled=true, or privacy.mode=central',
      code: 'DISTRIBUTED_DP_NEEDS_SECAGG',
    });
  }
  if (!secure && !dpFedAvg) return undefined;
  const feature = secure ? 'secure aggregation' : 'DP-FedAvg';
  if (setup.strategy.needsAllUpdates) {
    throw new GeoFedError(`strategy ${setup.strategy.name} needs every client's individual update, which ${feature} hides from the server`, {
      remedy: `use a FedAvg-family strategy (fedavg, fedavgm, fedadam, fedyogi, fedadagrad) or turn ${feature} off`,
      code: 'AGGREGATE_STRATEGY',
    });
  }
  const { clipNorm, collectStatistics } = setup.plan;
  if (secure && collectStatistics && clipNorm === undefined) {
    throw new GeoFedError(`secure aggregation of ${setup.plan.name}'s class statistics needs an embedding norm bound to size its fixed-point range`, {
      remedy: 'set privacy.clipNorm (clients clip every embedding to it), e.g. --set privacy.clipNorm=10',
      code: 'SECAGG_CLIP_NORM',
    });
  }
  return (pool) =>
    new AggregatingPool(pool, {
      ...(secure ? { secure: setup.secureAggregation } : {}),
      ...(dpFedAvg ? { dpFedAvg } : {}),
      ...(mode === 'distributed' ? { distributed: { statsNoiseMultiplier: setup.privacy.noiseMultiplier } } : {}),
      maxSamples: setup.maxSamples,
      ...(collectStatistics ? { statistics: { numClasses: setup.numClasses, dim: setup.embeddingDim, clipNorm } } : {}),
      seed: setup.seed,
      ...(setup.payloadBytes ? { payloadBytes: setup.payloadBytes } : {}),
    });
}
