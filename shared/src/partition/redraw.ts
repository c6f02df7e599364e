import { GeoFedError } from '../errors.ts';
import type { PartitionOptions } from './progress.ts';

/** Whole redraws before giving up on the minimum client size. */
export const MAX_DRAWS = 1000;
/**
 * Draws after which a setting whose every draw left at least HOPELESS_SHORT clients below the minimum is given up:
 * a draw's short clients are roughly Poisson, so P(none short) is then about e^-25 and 1000 draws would not help;
 * failing after a few draws instead of all 1000 keeps 100,000-client partitions bounded to seconds.
 */
const DRAWS_BEFORE_GIVING_UP = 5;
const HOPELESS_SHORT = 25;

export interface RedrawSetting {
  readonly scheme: string;
  readonly clients: number;
  readonly minSize: number;
  readonly alpha: number;
}

/** Counts the clients below `minSize` among `sizes`. */
export function countShort(sizes: ArrayLike<number>, minSize: number): number {
  let short = 0;
  for (let k = 0; k < sizes.length; k++) if (sizes[k]! < minSize) short++;
  return short;
}

/**
 * Runs `draw` (which returns client sizes and the candidate it drew) until every client holds at least `minSize`
 * samples, at most MAX_DRAWS times and fewer when the draws show the setting cannot be met; then a clear error
 * that names minSize.
 */
export function redrawUntilLargeEnough<T>(
  setting: RedrawSetting,
  options: PartitionOptions,
  draw: () => { sizes: ArrayLike<number>; candidate: T },
): T {
  const { scheme, clients, minSize, alpha } = setting;
  const started = Date.now();
  let fewestShort = Infinity;
  let draws = 0;
  while (draws < MAX_DRAWS) {
    const { sizes, candidate } = draw();
    draws++;
    const clientsShort = countShort(sizes, minSize);
    options.onProgress?.({ scheme, draw: draws, maxDraws: MAX_DRAWS, clients, clientsShort, minSize, elapsedMs: Date.now() - started });
    if (clientsShort === 0) return candidate;
    fewestShort = Math.min(fewestShort, clientsShort);
    if (draws >= DRAWS_BEFORE_GIVING_UP && fewestShort >= HOPELESS_SHORT) break;
  }
  throw new GeoFedError(
    `${scheme}: minSize ${minSize} cannot be met: in ${draws} draws of ${clients} clients (alpha=${alpha}) ` +
      `at least ${fewestShort} clients always held fewer than ${minSize} samples`,
    { remedy: 'lower minSize (--min-size; 0 allows empty clients), raise alpha or use fewer clients', code: 'BAD_CONFIG' },
  );
}
