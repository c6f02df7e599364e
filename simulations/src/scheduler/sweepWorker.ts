import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { logger } from '@geofed/shared/log';
import { tsLoaderArgs } from '@geofed/shared/runtime/tsRuntime';
import { Cancellations } from './cancellations.ts';
import type { SimulationJobData } from './jobData.ts';
import { connectRedis } from './redisConnection.ts';
import type { RunSummary } from './runSummary.ts';
import { QUEUE_NAME, settingsEnv, type SchedulerSettings } from './settings.ts';

export interface SweepWorkerOptions {
  /** Jobs run at the same time, each in its own child process. */
  concurrency: number;
  /**
   * How long a job stays locked to a worker that stopped renewing the lock, i.e. the longest a killed worker's
   * job waits before another worker takes it over (stalled jobs are looked for at the same interval).
   */
  lockSeconds: number;
}

/** A job that stalls this often (its worker died each time) is failed instead of handed out again. */
const MAX_STALLED = 2;

const log = logger('worker');

/**
 * Takes simulation jobs from the queue and runs each in a sandboxed child process (BullMQ keeps a pool of them),
 * started with tsx so that the TypeScript processor loads. The parent only talks to Redis.
 */
export class SweepWorker {
  private constructor(
    private readonly worker: Worker<SimulationJobData, RunSummary>,
    private readonly redis: Redis,
  ) {}

  static async start(settings: SchedulerSettings, options: SweepWorkerOptions): Promise<SweepWorker> {
    const redis = await connectRedis(settings.redisUrl, 'worker');
    const cancellations = new Cancellations(redis, settings.prefix);
    const lockMs = options.lockSeconds * 1000;
    const worker = new Worker<SimulationJobData, RunSummary>(QUEUE_NAME, new URL('./jobProcessor.ts', import.meta.url), {
      connection: redis,
      prefix: settings.prefix,
      name: `${hostname()}:${process.pid}`,
      concurrency: options.concurrency,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      maxStalledCount: MAX_STALLED,
      workerForkOptions: { execArgv: tsLoaderArgs(), env: { ...process.env, ...settingsEnv(settings) } },
    });
    worker.on('active', (job) => log.info({ job: job.id, attempt: job.attemptsStarted }, 'run started'));
    worker.on('progress', (job) => {
      cancellations
        .isCancelled(job.data.sweep)
        .then((cancelled) => { const r = cancelled && worker.cancelJob(job.id!, 'sweep cancelled'); if (cancelled) log.info({ job: job.id, r }, 'DEBUG cancel'); })
        .catch((e: unknown) => log.warn({ err: e }, 'could not check for cancellation'));
    });
    worker.on('completed', (job) => log.info({ job: job.id }, 'run completed'));
    worker.on('failed', (job, err) =>
      log.warn({ job: job?.id, attempt: job?.attemptsMade, reason: err.message }, 'run failed'),
    );
    worker.on('error', (err) => log.warn({ reason: err.message }, 'worker error (retrying)'));
    await worker.waitUntilReady();
    return new SweepWorker(worker, redis);
  }

  /** Stops taking jobs; waits for running ones unless `force`. */
  async close(force = false): Promise<void> {
    await this.worker.close(force);
    this.redis.disconnect();
  }
}
