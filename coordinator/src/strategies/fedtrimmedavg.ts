import { GeoFedError } from '@geofed/shared/errors';
import type { WeightList } from '@geofed/shared/tensor/weights';
import { BufferedStrategy, type BufferedOptions, type BufferedUpdate } from './bufferedStrategy.ts';
import { reduceSortedCoordinates } from './coordinatewise.ts';

export const DEFAULT_TRIM_FRACTION = 0.1;

export interface FedTrimmedAvgOptions extends BufferedOptions {
  /** Values dropped per side and coordinate, as a fraction of the updates (floor(fraction * C)); in [0, 0.5). */
  trimFraction?: number | undefined;
  /** Values dropped per side and coordinate, as a count; overrides trimFraction. */
  b?: number | undefined;
}

/** Coordinate-wise trimmed mean: drop the b largest and b smallest values, average the rest. */
export class FedTrimmedAvg extends BufferedStrategy {
  readonly name = 'fedtrimmedavg';

  constructor(private readonly options: FedTrimmedAvgOptions) {
    super(options);
  }

  protected combine(updates: readonly BufferedUpdate[]): WeightList {
    const c = updates.length;
    const b = this.options.b ?? Math.floor((this.options.trimFraction ?? DEFAULT_TRIM_FRACTION) * c);
    if (c - 2 * b < 1) {
      throw new GeoFedError(`fedtrimmedavg: trimming b = ${b} per side leaves nothing of ${c} updates (needs at least ${2 * b + 1})`, {
        remedy: 'wait for more clients, or lower b / use trimFraction',
        code: 'TOO_FEW_UPDATES',
      });
    }
    return reduceSortedCoordinates(updates, (sorted) => {
      let sum = 0;
      for (let k = b; k < c - b; k++) sum += sorted[k]!;
      return sum / (c - 2 * b);
    });
  }
}
