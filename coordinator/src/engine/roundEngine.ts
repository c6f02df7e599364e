import type { LocalTrainSettings } from '@geofed/shared/config/localTrain';
import { Rng } from '@geofed/shared/math/rng';
import type { RngState } from '@geofed/shared/math/rng';
import type { WeightList } from '@geofed/shared/tensor/weights';
import { cloneWeights } from '@geofed/shared/tensor/weights';
import type { ClientUpdate } from '@geofed/shared/federation/task';
import type { Strategy, StrategyState, Verdict } from '../strategies/index.ts';
import type { ClientOutcome, ClientPool, RoundTask } from './clientPool.ts';

export interface GlobalEvaluation {
  accuracy: number;
  loss: number;
  /** Extra figures (personalised accuracy ...), copied into the round record. */
  extra?: Record<string, number>;
}

/**
 * A method's server side beyond weight aggregation (GeoFed's geometry and classifier services): it adds a payload
 * to each task and looks at each accepted update. Plain FedAvg has none.
 */
export interface ServerMethod {
  taskPayload(round: number): { payload: Record<string, unknown>; bytes: number } | undefined;
  absorb(update: ClientUpdate, round: number): void;
  endRound(round: number): void;
  /** Bytes sent to this client beyond weights and payload (e.g. a fixed classifier on first contact). */
  bytesFor?(clientId: string): number;
  exportState(): unknown;
  restoreState(state: unknown): void;
}

export interface RoundEngineOptions {
  strategy: Strategy;
  pool: ClientPool;
  initialWeights: WeightList;
  train: LocalTrainSettings;
  seed: number;
  fractionPerRound: number;
  minClientsPerRound: number;
  /** A fixed number of clients per round (capped by those available); replaces fractionPerRound when set. */
  clientsPerRound?: number;
  /** Fewer accepted updates than this and the round's aggregate is discarded (weights stay as they were). */
  quorum?: number;
  deadlineMs?: number;
  evaluate(weights: WeightList, round: number): Promise<GlobalEvaluation> | GlobalEvaluation;
  method?: ServerMethod;
}

export interface RoundRecord {
  round: number;
  clients: string[];
  failed: Array<{ clientId: string; reason: string }>;
  testAccuracy: number;
  testLoss: number;
  /** Sample-weighted mean of the clients' reported training losses. */
  trainLoss: number;
  bytesUp: number;
  bytesDown: number;
  seconds: number;
  aggregated: boolean;
  /** Accepted updates the strategy altered (clipped by the norm bound), with what it did; absent when none. */
  clipped?: Array<{ clientId: string; note: string }>;
  [extra: string]: unknown;
}

export interface EngineState {
  round: number;
  weights: WeightList;
  strategy: StrategyState;
  rng: RngState;
  method?: unknown;
}

/**
 * Runs federated rounds: sample clients, send them the global model, fold their updates into the strategy's
 * aggregator as they arrive, evaluate. It holds no transport code; see ClientPool.
 */
export class RoundEngine {
  private weights: WeightList;
  private completed = 0;
  private readonly rng: Rng;

  constructor(private readonly options: RoundEngineOptions) {
    this.weights = cloneWeights(options.initialWeights);
    this.rng = new Rng(options.seed).fork('client-sampling');
  }

  get round(): number {
    return this.completed;
  }

  get globalWeights(): WeightList {
    return this.weights;
  }

  /** Seeded choice of this round's clients among those available. */
  selectClients(available: readonly string[]): string[] {
    const { fractionPerRound, minClientsPerRound, clientsPerRound } = this.options;
    const wanted = Math.max(minClientsPerRound, clientsPerRound ?? Math.round(fractionPerRound * available.length));
    const k = Math.min(available.length, wanted);
    return this.rng
      .sample(available.length, k)
      .sort((a, b) => a - b)
      .map((i) => available[i]!);
  }

  async runRound(): Promise<RoundRecord> {
    const started = performance.now();
    const round = this.completed + 1;
    const { strategy, pool, method } = this.options;
    const clients = this.selectClients(pool.available());
    if (clients.length === 0) throw new Error(`round ${round}: no clients available`);

    const roundConfig = strategy.configureRound(round);
    const extra = method?.taskPayload(round);
    const task: RoundTask = {
      round,
      weights: this.weights,
      train: { ...this.options.train, ...(roundConfig.proximalMu !== undefined ? { proximalMu: roundConfig.proximalMu } : {}) },
      seed: this.options.seed,
      ...(extra ? { payload: extra.payload } : {}),
    };

    const aggregator = strategy.startRound(round, this.weights);
    const failed: RoundRecord['failed'] = [];
    const clipped: Array<{ clientId: string; note: string }> = [];
    let bytesUp = 0;
    let bytesDown = 0;
    let lossWeighted = 0;
    let samples = 0;
    // Updates the aggregator took but has not judged yet (the norm bound's warm-up), by client.
    const undecided = new Map<string, Extract<ClientOutcome, { ok: true }>>();
    const settle = (verdict: Verdict): void => {
      const outcome = undecided.get(verdict.clientId)!;
      undecided.delete(verdict.clientId);
      if (!verdict.accepted) {
        failed.push({ clientId: verdict.clientId, reason: verdict.reason });
        outcome.settle?.({ accepted: false, reason: verdict.reason });
        return;
      }
      if (verdict.note !== undefined) clipped.push({ clientId: verdict.clientId, note: verdict.note });
      outcome.settle?.({ accepted: true });
      method?.absorb(outcome.update, round);
      bytesUp += outcome.bytesUp;
      const loss = outcome.update.metrics?.trainLoss;
      if (loss !== undefined && Number.isFinite(loss)) {
        lossWeighted += loss * outcome.update.numSamples;
        samples += outcome.update.numSamples;
      }
    };
    const options = this.options.deadlineMs === undefined ? {} : { deadlineMs: this.options.deadlineMs };
    for await (const outcome of pool.dispatch(task, clients, options)) {
      const clientId = outcome.ok ? outcome.update.clientId : outcome.clientId;
      bytesDown += outcome.bytesDown;
      if (!pool.measuresPayloadBytes) bytesDown += (extra?.bytes ?? 0) + (method?.bytesFor?.(clientId) ?? 0);
      if (!outcome.ok) {
        failed.push({ clientId: outcome.clientId, reason: outcome.reason });
        continue;
      }
      let verdicts: readonly Verdict[];
      try {
        verdicts = aggregator.add(outcome.update);
      } catch (e) {
        failed.push({ clientId: outcome.update.clientId, reason: (e as Error).message });
        outcome.settle?.({ accepted: false, reason: (e as Error).message });
        continue;
      }
      undecided.set(clientId, outcome);
      verdicts.forEach(settle);
    }
    aggregator.flush().forEach(settle);

    const quorum = this.options.quorum ?? 1;
    const aggregated = aggregator.count >= quorum;
    if (aggregated) this.weights = aggregator.finish();
    method?.endRound(round);
    const evaluation = await this.options.evaluate(this.weights, round);
    this.completed = round;
    return {
      round,
      clients,
      failed,
      testAccuracy: evaluation.accuracy,
      testLoss: evaluation.loss,
      trainLoss: samples > 0 ? lossWeighted / samples : Number.NaN,
      bytesUp,
      bytesDown,
      seconds: (performance.now() - started) / 1000,
      aggregated,
      ...(clipped.length > 0 ? { clipped } : {}),
      ...evaluation.extra,
    };
  }

  exportState(): EngineState {
    return {
      round: this.completed,
      weights: cloneWeights(this.weights),
      strategy: this.options.strategy.exportState(),
      rng: this.rng.state(),
      ...(this.options.method ? { method: this.options.method.exportState() } : {}),
    };
  }

  restoreState(state: EngineState): void {
    this.completed = state.round;
    this.weights = cloneWeights(state.weights);
    this.options.strategy.restoreState(state.strategy);
    this.rng.setState(state.rng);
    if (state.method !== undefined) this.options.method?.restoreState(state.method);
  }
}
