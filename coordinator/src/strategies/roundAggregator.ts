import { GeoFedError } from '@geofed/shared/errors';
import type { WeightList } from '@geofed/shared/tensor/weights';
import type { Aggregator, ClientUpdate, Verdict } from './types.ts';
import { UPDATE_REJECTED, validateUpdate } from './validateUpdate.ts';

/** The strategy's side of one round: whether the round may still commit, and committing it. */
export interface RoundLifecycle {
  readonly round: number;
  /** False once another round has committed or state was restored since this round started. */
  isCurrent(): boolean;
  complete(): void;
}

/**
 * What every aggregator shares: validation before anything is kept, one update per client, a single finish.
 * Subclasses decide what to keep of an accepted update (a running sum, or a copy) and how to combine.
 */
export abstract class RoundAggregator implements Aggregator {
  private readonly reported = new Set<string>();
  private refused = 0;
  private finished = false;

  protected constructor(
    protected readonly global: WeightList,
    private readonly lifecycle: RoundLifecycle,
  ) {}

  get count(): number {
    return this.reported.size - this.refused;
  }

  add(update: ClientUpdate): readonly Verdict[] {
    this.assertOpen();
    validateUpdate(update, this.global);
    if (this.reported.has(update.clientId)) {
      throw new GeoFedError(`update from client "${update.clientId}" rejected: it already reported in round ${this.lifecycle.round}`, {
        remedy: 'each client contributes once per round; drop the repeated update',
        code: UPDATE_REJECTED,
      });
    }
    this.reported.add(update.clientId);
    return this.tally(this.admit(update));
  }

  flush(): readonly Verdict[] {
    this.assertOpen();
    return this.tally(this.settleHeld());
  }

  finish(): WeightList {
    this.flush();
    if (this.count === 0) {
      throw new GeoFedError(`round ${this.lifecycle.round}: no client update to aggregate`, {
        remedy: 'wait for at least one client to report, or skip the round and keep the global weights',
        code: 'NO_UPDATES',
      });
    }
    if (!this.lifecycle.isCurrent()) {
      throw new GeoFedError(`round ${this.lifecycle.round}: another round was aggregated (or state restored) since this one started`, {
        remedy: 'start a new round from the current global weights',
        code: 'STALE_ROUND',
      });
    }
    const result = this.combine();
    this.finished = true;
    this.lifecycle.complete();
    return result;
  }

  /**
   * Keeps what the strategy needs of an update that passed validation, or holds it for later judgement;
   * returns the verdicts settled now. Must not throw.
   */
  protected abstract admit(update: ClientUpdate): Verdict[];
  /** Verdicts on updates admit() held; none by default. */
  protected settleHeld(): Verdict[] {
    return [];
  }
  /** The new global weights; may throw (leaving the round open) when the accepted updates cannot be combined. */
  protected abstract combine(): WeightList;

  private tally(verdicts: Verdict[]): Verdict[] {
    for (const v of verdicts) if (!v.accepted) this.refused++;
    return verdicts;
  }

  private assertOpen(): void {
    if (this.finished) throw new Error(`round ${this.lifecycle.round} is already finished; start a new round`);
  }
}
