import { hostname } from 'node:os';
import { join } from 'node:path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { isGeoFedError } from '@geofed/shared/errors';
import { logger } from '@geofed/shared/log';
import { parseSimulationConfig, type SimulationConfig } from '../config/simulationConfig.ts';
import { writeResult } from '../report/result.ts';
import { Cancellations } from './cancellations.ts';
import type { SimulationJobData } from './jobData.ts';
import { connectRedis, displayUrl } from './redisConnection.ts';
import { ResultStore } from './resultStore.ts';
import { runInChildProcess } from './runProcess.ts';
import { summarizeRun, type RunSummary } from './runSummary.ts';
import { QUEUE_NAME, type SchedulerSettings } from './settings.ts';
import { SweepRegistry } from './sweepRegistry.ts';

export interface SweepWorkerOptions {
  /** Jobs run at the same time, each in its own child process. */
  concurrency: number;
  /**
   * How long a job stays locked to a worker that stopped renewing the lock, i.e. the longest a killed worker's
   * job waits before another worker takes it over (stalled jobs are looked for at the same interval).
   */
  lockSeconds: number;
}

type SimulationJob = Job<SimulationJobData, RunSummary>;

/** A job that stalls this often (its worker died each time) is failed instead of handed out again. */
const MAX_STALLED = 2;

const log = logger('worker');

/** How often a worker checks that Redis still holds the queue it serves (and at every reconnection). */
const STATE_CHECK_MS = 10_000;
/** Longest a stop with Redis unreachable waits for BullMQ to let go; the run processes are gone by then. */
const FORCED_STOP_MS = 2000;

/** A config a worker cannot run fails for good: retrying would fail the same way. */
function jobConfig(job: SimulationJob): SimulationConfig {
  try {
    // Queued configs carry absolute paths, so the base folder is never used.
    return parseSimulationConfig(job.data.config, '/');
  } catch (e) {
    throw isGeoFedError(e) ? new UnrecoverableError(e.describe()) : e;
  }
}

/**
 * Takes simulation jobs from the queue, runs each in a child process, writes its result.json under the results
 * folder and its summary to Redis. The worker process itself only talks to Redis, so job locks stay renewed.
 */
export class SweepWorker {
  private constructor(
    private readonly worker: Worker<SimulationJobData, RunSummary>,
    private readonly redis: Redis,
    /** One per running job: aborting it kills the job's run process. */
    private readonly runs: Set<AbortController>,
    private readonly stateWatch: ReturnType<typeof setInterval>,
  ) {}

  static async start(settings: SchedulerSettings, options: SweepWorkerOptions): Promise<SweepWorker> {
    const redis = await connectRedis(settings.redisUrl, 'worker');
    const cancellations = new Cancellations(redis, settings.prefix);
    const results = new ResultStore(redis, settings.prefix);
    const registry = new SweepRegistry(redis, settings.prefix);
    const runs = new Set<AbortController>();
    const name = `${hostname()}:${process.pid}`;

    const runJob = async (job: SimulationJob, _token?: string, stop?: AbortSignal): Promise<RunSummary> => {
      const config = jobConfig(job);
      const cancel = new AbortController();
      runs.add(cancel);
      const outDir = join(settings.resultsDir, job.data.sweep, job.data.key);
      const result = await runInChildProcess(config, outDir, {
        signal: stop ? AbortSignal.any([stop, cancel.signal]) : cancel.signal,
        onRound(progress) {
          job.updateProgress(progress).catch((e: unknown) => log.warn({ job: job.id, err: e }, 'progress not recorded'));
          // The job's log (shown by `geofed jobs ui`): one line per round, kept short.
          const accuracy = Number.isFinite(progress.testAccuracy) ? `${(100 * progress.testAccuracy).toFixed(2)}%` : 'n/a';
          job
            .log(`attempt ${job.attemptsStarted}, round ${progress.round}/${progress.rounds}: test accuracy ${accuracy}`)
            .catch((e: unknown) => log.warn({ job: job.id, err: e }, 'log line not recorded'));
          cancellations
            .isCancelled(job.data.sweep)
            .then((cancelled) => cancelled && cancel.abort(`sweep ${job.data.sweep} was cancelled`))
            .catch((e: unknown) => log.warn({ job: job.id, err: e }, 'could not check for cancellation'));
        },
      }).finally(() => runs.delete(cancel));
      const file = writeResult(outDir, result);
      const summary = summarizeRun(job.data, result, hostname(), file);
      await results.save(summary);
      return summary;
    };

    const lockMs = options.lockSeconds * 1000;
    const worker = new Worker<SimulationJobData, RunSummary>(QUEUE_NAME, runJob, {
      connection: redis,
      prefix: settings.prefix,
      name,
      concurrency: options.concurrency,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      maxStalledCount: MAX_STALLED,
    });
    worker.on('active', (job) => log.info({ job: job.id, attempt: job.attemptsStarted }, 'run started'));
    worker.on('completed', (job, summary) => log.info({ job: job.id, testAccuracy: summary.testAccuracy }, 'run completed'));
    worker.on('failed', (job, err) => log.warn({ job: job?.id, attempt: job?.attemptsMade, reason: err.message }, 'run failed'));
    worker.on('error', (err) => log.warn({ reason: err.message }, 'worker error (retrying)'));
    await worker.waitUntilReady();

    // Redis restarted without persistence comes back empty: BullMQ carries on with an empty queue, so the
    // worker compares the state id it knows with what Redis holds, records the loss and says so.
    let stateId = await registry.stateId();
    const watchState = async () => {
      if ((await registry.currentStateId()) === stateId) return;
      await registry.recordLoss(name);
      stateId = await registry.stateId();
      log.warn(
        { redis: displayUrl(settings.redisUrl), prefix: settings.prefix },
        'Redis lost the queue\'s state (restarted without persistence?): jobs queued or finished before are gone from it; ' +
          'submit the sweeps again (result files on disk remain) and turn on Redis persistence (appendonly yes)',
      );
    };
    const check = () => void watchState().catch((e: unknown) => log.warn({ err: e }, 'could not check the queue\'s state'));
    redis.on('ready', check);
    const stateWatch = setInterval(check, STATE_CHECK_MS);
    stateWatch.unref();
    return new SweepWorker(worker, redis, runs, stateWatch);
  }

  /** True when Redis answers: a graceful stop is possible. */
  get redisReachable(): boolean {
    return this.redis.status === 'ready';
  }

  /**
   * Stops taking jobs. With Redis there, waits for the running jobs to finish and record their results. With Redis
   * gone, nothing could be recorded and BullMQ would wait for it forever: the connection is dropped first (so no
   * half-done bookkeeping reaches Redis later), then the run processes are killed. Their jobs stay active in Redis
   * and are handed out again once their locks expire, so nothing is lost.
   */
  async close(): Promise<void> {
    clearInterval(this.stateWatch);
    if (this.redisReachable) {
      await this.worker.close();
      this.redis.disconnect();
      return;
    }
    this.redis.disconnect();
    for (const run of this.runs) run.abort('the worker is stopping while Redis is unreachable');
    await Promise.race([this.worker.close(true), new Promise((resolve) => setTimeout(resolve, FORCED_STOP_MS).unref())]);
  }
}
