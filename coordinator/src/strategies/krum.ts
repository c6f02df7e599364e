import { GeoFedError } from '@geofed/shared/errors';
import type { WeightList } from '@geofed/shared/tensor/weights';
import { BufferedStrategy, type BufferedOptions, type BufferedUpdate } from './bufferedStrategy.ts';
import { toFloat32, WeightedMean } from './weightedMean.ts';

export interface KrumOptions extends BufferedOptions {
  /** Number of Byzantine clients tolerated. Krum's guarantee needs C > 2f + 2; it runs from C >= f + 3. */
  f: number;
  /** Multi-Krum: average the `multi` best-scored updates (1 = plain Krum); capped at C - f. */
  multi: number;
}

function squaredDistance(a: WeightList, b: WeightList): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    for (let j = 0; j < x.length; j++) {
      const d = x[j]! - y[j]!;
      sum += d * d;
    }
  }
  return sum;
}

/**
 * Krum / Multi-Krum (Blanchard et al.; El Mhamdi et al.): each update's score is the sum of squared
 * distances to its C - f - 2 nearest other updates; the lowest-scored update wins, or the plain mean of
 * the `multi` lowest.
 */
export class Krum extends BufferedStrategy {
  readonly name = 'krum';

  constructor(private readonly options: KrumOptions) {
    super(options);
  }

  protected combine(updates: readonly BufferedUpdate[]): WeightList {
    const { f, multi } = this.options;
    const c = updates.length;
    const neighbours = c - f - 2;
    if (neighbours < 1) {
      throw new GeoFedError(`krum with f = ${f} needs at least ${f + 3} updates, got ${c}`, {
        remedy: `wait for more clients or lower f (Krum's guarantee needs more than ${2 * f + 2} updates)`,
        code: 'TOO_FEW_UPDATES',
      });
    }
    const distances = new Float64Array(c * c);
    for (let a = 0; a < c; a++) {
      for (let b = a + 1; b < c; b++) {
        const d = squaredDistance(updates[a]!.weights, updates[b]!.weights);
        distances[a * c + b] = d;
        distances[b * c + a] = d;
      }
    }
    const scores = updates.map((_, a) => {
      const others = distances.subarray(a * c, (a + 1) * c).filter((_, b) => b !== a).sort();
      let score = 0;
      for (let k = 0; k < neighbours; k++) score += others[k]!;
      return score;
    });
    // Stable sort over updates already ordered by clientId: ties go to the smaller id.
    const ranked = updates.map((_, a) => a).sort((a, b) => scores[a]! - scores[b]!);
    const mean = new WeightedMean(updates[0]!.weights);
    for (const a of ranked.slice(0, Math.min(multi, c - f))) mean.add(updates[a]!.weights, 1);
    return toFloat32(mean.mean());
  }
}
