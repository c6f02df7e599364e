import { SingleBar, Presets } from 'cli-progress';
import type { RoundRecord } from '@geofed/coordinator/engine/roundEngine';
import { logger } from '@geofed/shared/log';

export interface RoundProgress {
  update(record: RoundRecord, total: number): void;
  stop(): void;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/**
 * A progress bar on a terminal; one plain line per round otherwise (logs, CI, job workers), both on stderr; with
 * JSON logs, one log record per round so that collectors see no free text.
 */
export function roundProgress(label: string, stream: NodeJS.WriteStream = process.stderr): RoundProgress {
  if (process.env.GEOFED_LOG_FORMAT === 'json') {
    const log = logger(label);
    return {
      update(r, rounds) {
        const { round, testAccuracy, testLoss, trainLoss, seconds } = r;
        log.info({ round, rounds, testAccuracy, testLoss, trainLoss, clients: r.clients.length - r.failed.length, seconds }, 'round complete');
      },
      stop() {},
    };
  }
  if (!stream.isTTY) {
    return {
      update(r, total) {
        stream.write(
          `${label} round ${r.round}/${total}: test accuracy ${pct(r.testAccuracy)}, test loss ${r.testLoss.toFixed(4)}, ` +
            `train loss ${r.trainLoss.toFixed(4)}, ${r.clients.length - r.failed.length} clients, ${r.seconds.toFixed(1)} s\n`,
        );
      },
      stop() {},
    };
  }
  const bar = new SingleBar(
    { format: `${label} [{bar}] round {value}/{total} | acc {acc} | loss {loss} | {secs} s/round`, stream, hideCursor: true },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(r, total) {
      const payload = { acc: pct(r.testAccuracy), loss: r.testLoss.toFixed(4), secs: r.seconds.toFixed(1) };
      if (!started) {
        bar.start(total, 0, payload);
        started = true;
      }
      bar.update(r.round, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
