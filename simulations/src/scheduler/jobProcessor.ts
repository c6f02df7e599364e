/**
 * The sandboxed processor: BullMQ runs it in a child process of `geofed worker` (see SweepWorker), so TF.js can
 * keep a core busy while the worker's own event loop stays free to renew job locks.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UnrecoverableError, type SandboxedJob } from 'bullmq';
import { GeoFedError, isGeoFedError } from '@geofed/shared/errors';
import { logger } from '@geofed/shared/log';
import { parseSimulationConfig } from '../config/simulationConfig.ts';
import { runSimulation, type SimulationRun } from '../runner/simulation.ts';
import { buildResult, writeResult } from '../report/result.ts';
import type { RunProgress, SimulationJobData } from './jobData.ts';
import { connectRedis } from './redisConnection.ts';
import { ResultStore } from './resultStore.ts';
import { summarizeRun, type RunSummary } from './runSummary.ts';
import { schedulerSettings } from './settings.ts';

const log = logger('job');

// A job process whose worker was killed would otherwise finish a run that another worker is already redoing.
process.once('disconnect', () => process.exit(1));

async function simulate(job: SandboxedJob<SimulationJobData, RunSummary>, signal: AbortSignal | undefined): Promise<SimulationRun> {
  try {
    // Paths in a queued config are already absolute, so the base folder is never used.
    const config = parseSimulationConfig(job.data.config, '/');
    return await runSimulation(config, {
      onRound(record, rounds) {
        if (signal?.aborted) throw new GeoFedError(`run cancelled: sweep ${job.data.sweep} was cancelled`);
        const progress: RunProgress = { round: record.round, rounds, testAccuracy: record.testAccuracy };
        job.updateProgress(progress).catch((e: unknown) => log.warn({ job: job.id, err: e }, 'progress not reported'));
      },
    });
  } catch (e) {
    // Bad configs, missing data and cancellations fail the same way on every attempt: no retries.
    if (isGeoFedError(e)) throw new UnrecoverableError(e.describe());
    throw e;
  }
}

export default async function processSimulationJob(
  job: SandboxedJob<SimulationJobData, RunSummary>,
  _token?: string,
  signal?: AbortSignal,
): Promise<RunSummary> {
  const settings = schedulerSettings();
  const result = buildResult(await simulate(job, signal));
  const file = writeResult(join(settings.resultsDir, job.data.sweep, job.data.key), result);
  const summary = summarizeRun(job.data, result, hostname(), file);
  const redis = await connectRedis(settings.redisUrl, 'command');
  try {
    await new ResultStore(redis, settings.prefix).save(summary);
  } finally {
    redis.disconnect();
  }
  log.info({ job: job.id, testAccuracy: summary.testAccuracy, file }, 'run finished');
  return summary;
}
