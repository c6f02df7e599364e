import type { OnPartitionProgress } from '@geofed/shared/partition/index';

const SHOW_AFTER_MS = 1000;

/**
 * A line on stderr per redraw of a partition, once it has taken more than a second and at most one a second, so
 * a partition of 100,000 clients never looks hung while the usual sub-second ones stay silent.
 */
export function partitionProgress(label: string, stream: NodeJS.WritableStream = process.stderr): OnPartitionProgress {
  let shownAtMs = -Infinity;
  return (p) => {
    const kept = p.clientsShort === 0;
    if (p.elapsedMs < SHOW_AFTER_MS || (!kept && p.elapsedMs - shownAtMs < SHOW_AFTER_MS)) return;
    shownAtMs = p.elapsedMs;
    stream.write(
      kept
        ? `${label}: partition ${p.scheme} of ${p.clients} clients done after ${p.draw} draw(s), ${(p.elapsedMs / 1000).toFixed(1)} s\n`
        : `${label}: partition ${p.scheme}, draw ${p.draw} (at most ${p.maxDraws}): ${p.clientsShort} of ${p.clients} clients ` +
            `below minSize ${p.minSize}, redrawing\n`,
    );
  };
}
