import type { WeightList } from '@geofed/shared/tensor/weights';
import { WeightedMeanStrategy, type WeightedMeanOptions } from './weightedMeanStrategy.ts';
import { toFloat32 } from './weightedMean.ts';

/** FedAvg: w <- sum_k (n_k/n) w_k. With proximalMu set, the same server side serves FedProx. */
export class FedAvg extends WeightedMeanStrategy {
  readonly name = 'fedavg';

  constructor(options: WeightedMeanOptions) {
    super(options);
  }

  protected step(_global: WeightList, mean: Float64Array[]): WeightList {
    return toFloat32(mean);
  }
}
