/**
 * The worker side of a cluster run: takes federation jobs (a batch of one round's sampled virtual clients), trains
 * them (clusterTraining.ts, loaded on the first job) and writes their updates, or one partial aggregate of them, to
 * Redis for the coordinator's ClusterPool.
 */
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { GeoFedError } from '@geofed/shared/errors';
import { FEDERATION_QUEUE, type ClusterJobData, type ClusterJobResult } from '@geofed/coordinator/engine/clusterPool';
import type { SimulationConfig } from '../config/simulationConfig.ts';
import type { RunContext } from './clusterTraining.ts';

const KEY_TTL_SECONDS = 24 * 3600;

export class FederationWorker {
  private readonly contexts = new Map<string, Promise<RunContext>>();
  private readonly worker: Worker<ClusterJobData, ClusterJobResult>;

  constructor(redis: Redis, prefix: string, lockSeconds: number) {
    this.worker = new Worker<ClusterJobData, ClusterJobResult>(FEDERATION_QUEUE, (job) => this.run(job, redis), {
      connection: redis,
      prefix,
      concurrency: 1,
      lockDuration: lockSeconds * 1000,
      stalledInterval: lockSeconds * 1000,
      maxStalledCount: 2,
    });
  }

  private context(job: Job<ClusterJobData>): Promise<RunContext> {
    const { runId, setup, checksum } = job.data;
    let context = this.contexts.get(runId);
    if (!context) {
      // One run at a time is kept: a worker serving a new run lets the previous one's data and model go.
      for (const [id, old] of this.contexts) {
        this.contexts.delete(id);
        void old.then((c) => c.model.dispose(), () => undefined);
      }
      context = import('./clusterTraining.ts').then((t) => t.buildContext(setup as SimulationConfig, checksum));
      context.catch(() => this.contexts.delete(runId));
      this.contexts.set(runId, context);
    }
    return context;
  }

  private async run(job: Job<ClusterJobData>, redis: Redis): Promise<ClusterJobResult> {
    const training = await import('./clusterTraining.ts');
    const context = await this.context(job);
    const { taskKey, resultKey, clients, partial, round, batch } = job.data;
    let task = context.task?.key === taskKey ? context.task.task : undefined;
    if (!task) {
      const bytes = await redis.getBuffer(taskKey);
      if (!bytes) throw new GeoFedError(`round ${round}: the task is gone from Redis (the coordinator ended the round)`);
      task = training.useTask(context, taskKey, bytes);
    }
    const result = await training.trainBatch(context, task, clients, partial, batch);
    await redis.set(resultKey, result.bytes, 'EX', KEY_TTL_SECONDS);
    return { trained: result.trained, failed: result.failed, bytes: result.bytes.length };
  }

  /**
   * Stops taking batches. With Redis gone, `force` stops at once instead of waiting for BullMQ to hand the running
   * batch back through Redis (the batch's lock expires and another worker takes it), bounded by `forcedStopMs`.
   */
  async close(force = false, forcedStopMs = 2000): Promise<void> {
    if (force) await Promise.race([this.worker.close(true), new Promise((resolve) => setTimeout(resolve, forcedStopMs).unref())]);
    else await this.worker.close();
    for (const context of this.contexts.values()) await context.then((c) => c.model.dispose(), () => undefined);
  }
}
