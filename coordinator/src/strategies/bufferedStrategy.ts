import { GeoFedError } from '@geofed/shared/errors';
import { cloneWeights, type WeightList } from '@geofed/shared/tensor/weights';
import { BaseStrategy, type CommonOptions } from './baseStrategy.ts';
import { RoundAggregator, type RoundLifecycle } from './roundAggregator.ts';
import type { Aggregator, ClientUpdate, Verdict } from './types.ts';
import { UPDATE_REJECTED } from './validateUpdate.ts';

export interface BufferedOptions extends CommonOptions {
  /** Memory bound: a round keeps one model copy per update. */
  maxBufferedUpdates: number;
}

export interface BufferedUpdate {
  readonly clientId: string;
  readonly numSamples: number;
  readonly weights: WeightList;
}

function byClientId(a: BufferedUpdate, b: BufferedUpdate): number {
  return a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0;
}

class BufferingAggregator extends RoundAggregator {
  private readonly updates: BufferedUpdate[] = [];

  constructor(
    global: WeightList,
    lifecycle: RoundLifecycle,
    private readonly capacity: number,
    private readonly combineAll: (updates: readonly BufferedUpdate[]) => WeightList,
  ) {
    super(global, lifecycle);
  }

  override add(update: ClientUpdate): readonly Verdict[] {
    if (this.count >= this.capacity) {
      throw new GeoFedError(
        `update from client "${update.clientId}" rejected: the round already holds maxBufferedUpdates = ${this.capacity} updates`,
        { remedy: 'sample fewer clients per round or raise maxBufferedUpdates (one model copy per update)', code: UPDATE_REJECTED },
      );
    }
    return super.add(update);
  }

  protected admit(update: ClientUpdate): Verdict[] {
    // A copy: the caller may reuse its buffers once add() returns.
    this.updates.push({ clientId: update.clientId, numSamples: update.numSamples, weights: cloneWeights(update.weights) });
    return [{ clientId: update.clientId, accepted: true }];
  }

  protected combine(): WeightList {
    // Ordered by client so that arrival order never changes the result (ties, summation order).
    return this.combineAll([...this.updates].sort(byClientId));
  }
}

/**
 * Robust aggregation rules that need every update at once. They treat clients equally whatever numSamples
 * they claim: a Byzantine client could lie about it to buy weight.
 */
export abstract class BufferedStrategy extends BaseStrategy {
  readonly needsAllUpdates = true;

  protected constructor(private readonly buffered: BufferedOptions) {
    super(buffered);
  }

  protected openAggregator(global: WeightList, lifecycle: RoundLifecycle): Aggregator {
    return new BufferingAggregator(global, lifecycle, this.buffered.maxBufferedUpdates, (updates) => this.combine(updates));
  }

  /** The new global weights from every update of the round, sorted by clientId. May throw to refuse the round. */
  protected abstract combine(updates: readonly BufferedUpdate[]): WeightList;
}
