/**
 * One simulation in a process of its own (see runProcess.ts): receives a validated config, reports every round
 * and sends back the result.
 */
import { isGeoFedError } from '@geofed/shared/errors';
import { logger } from '@geofed/shared/log';
import { configureLoggingFromEnv } from '../cli/logging.ts';
import type { SimulationConfig } from '../config/simulationConfig.ts';
import { runSimulation } from '../runner/simulation.ts';
import { buildResult } from '../report/result.ts';
import type { FromRunProcess } from './runProcess.ts';

const worker = process.ppid;

function send(message: FromRunProcess): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()));
}

// Ctrl-C in a terminal reaches the whole process group; the worker decides whether its runs finish or stop.
process.on('SIGINT', () => {});

process.once('message', async ({ config, outDir }: { config: SimulationConfig; outDir: string }) => {
  await configureLoggingFromEnv();
  try {
    const run = await runSimulation(config, {
      onRound(record, rounds) {
        // A dead worker's job goes to another worker and nobody is left to take this result, so stop. The event
        // loop seldom turns during a run, so 'disconnect' would come late: the parent pid is read live instead.
        if (process.ppid !== worker) process.exit(1);
        void send({ type: 'round', progress: { round: record.round, rounds, testAccuracy: record.testAccuracy } });
      },
    });
    // The weights are written here (the worker writes result.json beside them): they are too large for a message.
    run.writeWeights(outDir);
    await send({ type: 'result', result: buildResult(run) });
    process.exit(0);
  } catch (e) {
    if (!isGeoFedError(e)) logger('run').error({ err: e }, 'run crashed');
    const message = isGeoFedError(e) ? e.describe() : e instanceof Error ? e.message : String(e);
    await send({ type: 'failed', message, unrecoverable: isGeoFedError(e) });
    process.exit(1);
  }
});
