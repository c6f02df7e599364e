import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { SimulationJobData } from './jobData.ts';
import type { RunSummary } from './runSummary.ts';
import { QUEUE_NAME } from './settings.ts';

export type SimulationQueue = Queue<SimulationJobData, RunSummary>;

/** The BullMQ queue of simulation jobs on an open connection (which stays the caller's to close). */
export function openQueue(redis: Redis, prefix: string): SimulationQueue {
  return new Queue<SimulationJobData, RunSummary>(QUEUE_NAME, { connection: redis, prefix });
}

/** Job ids are `<sweep>.<key>`, so a sweep's jobs are found without reading their data. */
export function inSweep(jobId: string | undefined, sweep: string | undefined): boolean {
  return sweep === undefined || (jobId?.startsWith(`${sweep}.`) ?? false);
}
