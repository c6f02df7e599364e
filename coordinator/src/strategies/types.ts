import type { ClientUpdate } from '@geofed/shared/federation/task';
import type { WeightList } from '@geofed/shared/tensor/weights';

/** One client's result for a round, as the round engine hands it to an aggregator (the protocol's type). */
export type { ClientUpdate };

/** What the strategy asks of clients for a round (sent along with the global weights). */
export interface RoundConfig {
  round: number;
  /** FedProx: clients add (mu/2) ||w - w_global||^2 to their local loss. */
  proximalMu?: number;
}

export interface Aggregator {
  /**
   * Validates the update, then folds it in. A rejected update throws a GeoFedError (code UPDATE_REJECTED)
   * naming the client and the tensor, and leaves the aggregator exactly as it was.
   * Streaming when the strategy allows it: the FedAvg family keeps running weighted sums, so memory stays O(model).
   */
  add(update: ClientUpdate): void;
  /** Updates accepted so far. */
  readonly count: number;
  /** New global weights. Throws if no update was added; an aggregator finishes once. */
  finish(): WeightList;
}

/** Server state as plain data for checkpoints: `round` counts the server steps taken so far. */
export type StrategyState = {
  name: string;
  round: number;
  tensors: Record<string, WeightList>;
  scalars: Record<string, number>;
};

export interface Strategy {
  readonly name: string;
  /** True for median / trimmed mean / Krum: they buffer every update (bounded by maxBufferedUpdates). */
  readonly needsAllUpdates: boolean;
  configureRound(round: number): RoundConfig;
  startRound(round: number, global: WeightList): Aggregator;
  /** Server state (momentum, Adam moments, round) as copies; restoreState inverts it exactly. */
  exportState(): StrategyState;
  restoreState(state: StrategyState): void;
}
