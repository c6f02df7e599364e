import type { WeightList } from '@geofed/shared/tensor/weights';
import { BaseStrategy } from './baseStrategy.ts';
import { RoundAggregator, type RoundLifecycle } from './roundAggregator.ts';
import type { Aggregator, ClientUpdate } from './types.ts';
import { WeightedMean } from './weightedMean.ts';

class StreamingMeanAggregator extends RoundAggregator {
  private readonly sum: WeightedMean;

  constructor(
    global: WeightList,
    lifecycle: RoundLifecycle,
    private readonly step: (global: WeightList, mean: Float64Array[]) => WeightList,
  ) {
    super(global, lifecycle);
    this.sum = new WeightedMean(global);
  }

  protected accept(update: ClientUpdate): void {
    this.sum.add(update.weights, update.numSamples);
  }

  protected combine(): WeightList {
    return this.step(this.global, this.sum.mean());
  }
}

/**
 * The FedAvg family: every update folds into one running sample-weighted mean (nothing per update is kept),
 * and the strategy turns that mean into the next global weights.
 */
export abstract class WeightedMeanStrategy extends BaseStrategy {
  readonly needsAllUpdates = false;

  protected openAggregator(global: WeightList, lifecycle: RoundLifecycle): Aggregator {
    return new StreamingMeanAggregator(global, lifecycle, (g, mean) => this.step(g, mean));
  }

  /** `mean` = sum_k (n_k/n) w_k in float64; it is the caller's to overwrite. */
  protected abstract step(global: WeightList, mean: Float64Array[]): WeightList;
}

/** Server optimisers (Reddi et al.): they step along the pseudo-gradient Delta = sum_k (n_k/n)(w_k - w). */
export abstract class PseudoGradientStrategy extends WeightedMeanStrategy {
  protected step(global: WeightList, mean: Float64Array[]): WeightList {
    // sum_k (n_k/n)(w_k - w) = (weighted mean) - w; formed in place, the mean is not needed afterwards.
    for (let i = 0; i < mean.length; i++) {
      const delta = mean[i]!;
      const w = global[i]!;
      for (let j = 0; j < delta.length; j++) delta[j]! -= w[j]!;
    }
    return this.applyPseudoGradient(global, mean);
  }

  /** Updates the server state and returns the new global weights; called once per committed round. */
  protected abstract applyPseudoGradient(global: WeightList, delta: Float64Array[]): WeightList;
}
