import type { WeightList } from '@geofed/shared/tensor/weights';

/**
 * A running weighted sum in float64: memory stays O(model) however many updates arrive, and sums of many
 * float32 updates do not lose the small ones to rounding.
 */
export class WeightedMean {
  private readonly sums: Float64Array[];
  private totalWeight = 0;

  constructor(like: WeightList) {
    this.sums = like.map((t) => new Float64Array(t.length));
  }

  add(weights: WeightList, weight: number): void {
    for (let i = 0; i < this.sums.length; i++) {
      const sum = this.sums[i]!;
      const t = weights[i]!;
      for (let j = 0; j < sum.length; j++) sum[j]! += weight * t[j]!;
    }
    this.totalWeight += weight;
  }

  get weight(): number {
    return this.totalWeight;
  }

  /** The weighted mean, still in float64 so that callers can derive from it before rounding. */
  mean(): Float64Array[] {
    if (this.totalWeight <= 0) throw new Error('WeightedMean.mean() needs at least one weighted addition');
    return this.sums.map((sum) => sum.map((s) => s / this.totalWeight));
  }
}

export function toFloat32(values: Float64Array[]): WeightList {
  return values.map((t) => new Float32Array(t));
}
