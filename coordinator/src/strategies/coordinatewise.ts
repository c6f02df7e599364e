import type { WeightList } from '@geofed/shared/tensor/weights';
import type { BufferedUpdate } from './bufferedStrategy.ts';

/** For every coordinate, sorts the values the updates hold there (ascending) and reduces them to one number. */
export function reduceSortedCoordinates(
  updates: readonly BufferedUpdate[],
  reduce: (sorted: Float64Array) => number,
): WeightList {
  const column = new Float64Array(updates.length);
  return updates[0]!.weights.map((first, i) => {
    const out = new Float32Array(first.length);
    for (let j = 0; j < first.length; j++) {
      for (let k = 0; k < updates.length; k++) column[k] = updates[k]!.weights[i]![j]!;
      column.sort();
      out[j] = reduce(column);
    }
    return out;
  });
}
