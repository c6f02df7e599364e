import type { WeightList } from '@geofed/shared/tensor/weights';
import { BaseStrategy, type CommonOptions } from './baseStrategy.ts';
import { DEFAULT_NORM_BOUND, NormGate, type NormBoundSpec } from './normBound.ts';
import { RoundAggregator, type RoundLifecycle } from './roundAggregator.ts';
import type { Aggregator, ClientUpdate, Verdict } from './types.ts';
import { WeightedMean } from './weightedMean.ts';

export interface WeightedMeanOptions extends CommonOptions {
  /** Defaults to DEFAULT_NORM_BOUND (refuse updates above 5x the round's median norm). */
  normBound?: NormBoundSpec | undefined;
}

class StreamingMeanAggregator extends RoundAggregator {
  private readonly sum: WeightedMean;
  private readonly gate: NormGate;

  constructor(
    global: WeightList,
    lifecycle: RoundLifecycle,
    normBound: NormBoundSpec,
    private readonly step: (global: WeightList, mean: Float64Array[]) => WeightList,
  ) {
    super(global, lifecycle);
    this.sum = new WeightedMean(global);
    this.gate = new NormGate(normBound, global, (update) => this.sum.add(update.weights, update.numSamples));
  }

  protected admit(update: ClientUpdate): Verdict[] {
    return this.gate.admit(update);
  }

  protected override settleHeld(): Verdict[] {
    return this.gate.flush();
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
  private readonly normBound: NormBoundSpec;

  protected constructor(options: WeightedMeanOptions) {
    super(options);
    this.normBound = options.normBound ?? DEFAULT_NORM_BOUND;
  }

  protected openAggregator(global: WeightList, lifecycle: RoundLifecycle): Aggregator {
    return new StreamingMeanAggregator(global, lifecycle, this.normBound, (g, mean) => this.step(g, mean));
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
