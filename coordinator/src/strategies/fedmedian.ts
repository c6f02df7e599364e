import type { WeightList } from '@geofed/shared/tensor/weights';
import { BufferedStrategy, type BufferedOptions, type BufferedUpdate } from './bufferedStrategy.ts';
import { reduceSortedCoordinates } from './coordinatewise.ts';

/** Coordinate-wise median (an even count takes the mean of the two middle values). */
export class FedMedian extends BufferedStrategy {
  readonly name = 'fedmedian';

  constructor(options: BufferedOptions) {
    super(options);
  }

  protected combine(updates: readonly BufferedUpdate[]): WeightList {
    const mid = updates.length >> 1;
    return reduceSortedCoordinates(updates, (sorted) =>
      sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2,
    );
  }
}
