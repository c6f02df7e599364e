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

/**
 * The aggregator's word on one update. `note` says what was done to an accepted update (clipped); `reason` says
 * why an update was refused after it passed validation (the FedAvg family's norm bound).
 */
export type Verdict =
  | { readonly clientId: string; readonly accepted: true; readonly note?: string }
  | { readonly clientId: string; readonly accepted: false; readonly reason: string };

export interface Aggregator {
  /**
   * Validates the update, then folds it in. An invalid update throws a GeoFedError (code UPDATE_REJECTED)
   * naming the client and the tensor, and leaves the aggregator exactly as it was.
   * Returns the verdicts this call settles, in arrival order: usually the update's own, but the FedAvg family's
   * norm bound holds the first updates of a round until it has a median to judge them by (then one call
   * settles several, and the holding calls settle none).
   * Streaming when the strategy allows it: the FedAvg family keeps running weighted sums, so memory stays O(model).
   */
  add(update: ClientUpdate): readonly Verdict[];
  /** Settles every update still held; call once the round's last update has been added. */
  flush(): readonly Verdict[];
  /** Updates taken and not refused so far (held ones count until judged; after flush(), the accepted ones). */
  readonly count: number;
  /** New global weights (settling held updates first). Throws if none was accepted; an aggregator finishes once. */
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
