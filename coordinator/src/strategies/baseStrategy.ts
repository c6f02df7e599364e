import { GeoFedError } from '@geofed/shared/errors';
import { cloneWeights, type WeightList } from '@geofed/shared/tensor/weights';
import type { RoundLifecycle } from './roundAggregator.ts';
import type { Aggregator, RoundConfig, Strategy, StrategyState } from './types.ts';
import { firstNonFinite, shapeMismatch } from './validateUpdate.ts';

/** Options every strategy accepts. */
export interface CommonOptions {
  /** Set to serve FedProx: carried to clients in every RoundConfig. */
  proximalMu?: number | undefined;
}

function assertRound(round: number): void {
  if (!Number.isInteger(round) || round < 0) {
    throw new Error(`round must be a non-negative integer, got ${round}`);
  }
}

function invalidState(problem: string): GeoFedError {
  return new GeoFedError(`cannot restore strategy state: ${problem}`, {
    remedy: 'restore a checkpoint written by the same strategy for the same model',
    code: 'INVALID_STRATEGY_STATE',
  });
}

/**
 * Round bookkeeping, FedProx's client knob and checkpointing, shared by every strategy. Server tensors
 * (momentum, moments) come and go through exportTensors/importTensors.
 */
export abstract class BaseStrategy implements Strategy {
  abstract readonly name: string;
  abstract readonly needsAllUpdates: boolean;
  private stepsTaken = 0;
  // Bumped on every commit and restore, so that an aggregator opened before either cannot commit.
  private epoch = 0;

  protected constructor(private readonly common: CommonOptions) {}

  configureRound(round: number): RoundConfig {
    assertRound(round);
    return this.common.proximalMu === undefined ? { round } : { round, proximalMu: this.common.proximalMu };
  }

  startRound(round: number, global: WeightList): Aggregator {
    assertRound(round);
    const problem = firstNonFinite(global);
    if (problem !== undefined) throw new Error(`global weights are not finite: ${problem}`);
    this.assertStateFits(global);
    const epoch = this.epoch;
    const lifecycle: RoundLifecycle = {
      round,
      isCurrent: () => this.epoch === epoch,
      complete: () => {
        this.stepsTaken++;
        this.epoch++;
      },
    };
    // A private copy: the caller may reuse its arrays while clients train.
    return this.openAggregator(cloneWeights(global), lifecycle);
  }

  exportState(): StrategyState {
    const tensors: Record<string, WeightList> = {};
    for (const [key, value] of Object.entries(this.exportTensors())) tensors[key] = cloneWeights(value);
    return { name: this.name, round: this.stepsTaken, tensors, scalars: {} };
  }

  restoreState(state: StrategyState): void {
    if (state.name !== this.name) throw invalidState(`it belongs to "${state.name}", this strategy is "${this.name}"`);
    if (!Number.isInteger(state.round) || state.round < 0) {
      throw invalidState(`round must be a non-negative integer, got ${state.round}`);
    }
    if (typeof state.tensors !== 'object' || state.tensors === null) throw invalidState('tensors must be an object');
    for (const [key, value] of Object.entries(state.tensors)) {
      const problem = Array.isArray(value) && value.every((t) => t instanceof Float32Array)
        ? firstNonFinite(value)
        : 'not a list of Float32Array';
      if (problem !== undefined) throw invalidState(`tensor set "${key}": ${problem}`);
    }
    const keys = Object.keys(state.tensors).sort();
    const expected = [...this.stateTensorNames()].sort();
    if (keys.length > 0 && keys.join() !== expected.join()) {
      throw invalidState(`expected tensor sets [${expected.join(', ')}] (or none), got [${keys.join(', ')}]`);
    }
    const restored = keys.length === 0 ? undefined : Object.fromEntries(keys.map((k) => [k, cloneWeights(state.tensors[k]!)]));
    if (restored !== undefined) {
      const [first, ...rest] = Object.values(restored);
      for (const other of rest) {
        const mismatch = shapeMismatch(other, first!);
        if (mismatch !== undefined) throw invalidState(`tensor sets differ in shape: one ${mismatch}`);
      }
    }
    this.importTensors(restored);
    this.stepsTaken = state.round;
    this.epoch++;
  }

  /** Names of the server tensor sets this strategy keeps (empty for stateless ones). */
  protected stateTensorNames(): readonly string[] {
    return [];
  }

  /** Current server tensors, by name; only those that exist yet (none before the first step). */
  protected exportTensors(): Record<string, WeightList> {
    return {};
  }

  /** Takes over validated copies of every name in stateTensorNames(), or undefined for a fresh start. */
  protected importTensors(_tensors: Record<string, WeightList> | undefined): void {}

  private assertStateFits(global: WeightList): void {
    for (const [key, value] of Object.entries(this.exportTensors())) {
      const mismatch = shapeMismatch(value, global);
      if (mismatch !== undefined) {
        throw new GeoFedError(`${this.name}: server state "${key}" does not fit the model: it ${mismatch}`, {
          remedy: 'restore state saved for this model, or start the strategy afresh',
          code: 'INVALID_STRATEGY_STATE',
        });
      }
    }
  }

  protected abstract openAggregator(global: WeightList, lifecycle: RoundLifecycle): Aggregator;
}
