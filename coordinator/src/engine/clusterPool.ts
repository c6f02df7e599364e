/**
 * Virtual clients trained by `geofed worker` processes on any number of machines, through a BullMQ queue in Redis.
 * A round publishes its task (weights and method payload) once, then queues the sampled clients as a few jobs
 * (batches); each job's worker trains its clients and writes back either one partial aggregate (FedAvg family and
 * class statistics: sums, so Redis carries O(jobs x model) per round whatever the clients per job) or, for
 * strategies that need every update (median, trimmed mean, Krum), the individual updates; then the pool holds one
 * job's decoded updates at a time, O(clients per job x model), and the strategy its own buffer.
 * Job ids are `<run>.r<round>.b<batch>`: a job retried after its worker died writes the same result key, and the
 * pool reads each batch once, so no client is counted twice.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RoundTask } from '@geofed/shared/federation/task';
import { GeoFedError } from '@geofed/shared/errors';
import type { WeightList } from '@geofed/shared/tensor/weights';
import type { ClientOutcome, ClientPool, DispatchOptions } from './clientPool.ts';
import { decodeUpdates, encodeClusterTask, type ClusterTaskOptions } from './clusterWire.ts';

/** Federation jobs share the sweep queue's Redis prefix, under their own queue name. */
export const FEDERATION_QUEUE = 'federation';

export interface ClusterJobData {
  readonly runId: string;
  readonly round: number;
  readonly batch: number;
  readonly clients: readonly string[];
  readonly taskKey: string;
  readonly resultKey: string;
  /** One partial aggregate instead of the individual updates. */
  readonly partial: boolean;
  /** What the worker needs to load the data, carve the clients and build the model (the runner's own setup). */
  readonly setup: unknown;
  /** Checksum of the data set the coordinator loaded; a worker whose copy differs refuses the job. */
  readonly checksum: string;
}

export interface ClusterJobResult {
  readonly trained: readonly string[];
  readonly failed: readonly { readonly clientId: string; readonly reason: string }[];
  readonly bytes: number;
}

export interface ClusterPoolOptions {
  readonly redis: Redis;
  readonly prefix: string;
  readonly runId: string;
  /** The virtual clients' ids, in the runner's order. */
  readonly clients: readonly string[];
  readonly setup: unknown;
  readonly checksum: string;
  readonly jobsPerRound: number;
  readonly partial: boolean;
  readonly task: ClusterTaskOptions;
  /** The embedding shape, when updates carry class statistics. */
  readonly statistics?: { readonly numClasses: number; readonly dim: number };
  /** How often a job whose worker died or failed is tried again. */
  readonly attempts?: number;
  /** close() also closes the Redis connection (the pool was given its own). */
  readonly ownsConnection?: boolean;
}

/** Redis bytes of the last round: the task published once, and the results read back. */
export interface ClusterRoundBytes {
  readonly round: number;
  readonly task: number;
  readonly results: number;
  readonly jobs: number;
}

const KEY_TTL_SECONDS = 24 * 3600;
const POLL_MS = 50;

function batchesOf(clients: readonly string[], jobs: number): string[][] {
  const count = Math.min(jobs, clients.length);
  const base = Math.floor(clients.length / count);
  const extra = clients.length % count;
  const out: string[][] = [];
  for (let b = 0, at = 0; b < count; b++) {
    const size = base + (b < extra ? 1 : 0);
    out.push(clients.slice(at, at + size));
    at += size;
  }
  return out;
}

export class ClusterPool implements ClientPool {
  /** Bytes are counted where they cross Redis, method payloads included. */
  readonly measuresPayloadBytes = true;
  private readonly queue: Queue<ClusterJobData, ClusterJobResult>;
  readonly roundBytes: ClusterRoundBytes[] = [];

  constructor(private readonly options: ClusterPoolOptions) {
    this.queue = new Queue<ClusterJobData, ClusterJobResult>(FEDERATION_QUEUE, { connection: options.redis, prefix: options.prefix });
  }

  available(): readonly string[] {
    return this.options.clients;
  }

  async *dispatch(task: RoundTask, clients: readonly string[], dispatchOptions: DispatchOptions): AsyncIterable<ClientOutcome> {
    const { redis, prefix, runId } = this.options;
    const base = `${prefix}:cluster:${runId}:r${task.round}`;
    const taskKey = `${base}:task`;
    const taskBytes = encodeClusterTask(task, this.options.task);
    await redis.set(taskKey, Buffer.from(taskBytes.buffer, taskBytes.byteOffset, taskBytes.byteLength), 'EX', KEY_TTL_SECONDS);
    const batches = batchesOf(clients, this.options.jobsPerRound);
    const jobIds = batches.map((_, b) => `${runId}.r${task.round}.b${b}`);
    await this.queue.addBulk(
      batches.map((ids, b) => ({
        name: 'train',
        data: {
          runId,
          round: task.round,
          batch: b,
          clients: ids,
          taskKey,
          resultKey: `${base}:b${b}`,
          partial: this.options.partial,
          setup: this.options.setup,
          checksum: this.options.checksum,
        },
        opts: { jobId: jobIds[b]!, attempts: this.options.attempts ?? 3, removeOnFail: false, removeOnComplete: false },
      })),
    );
    const deadline = dispatchOptions.deadlineMs === undefined ? Infinity : Date.now() + dispatchOptions.deadlineMs;
    let resultBytes = 0;
    try {
      // In batch order, so the aggregate folds updates in the same order as a run in one process.
      for (let b = 0; b < batches.length; b++) {
        const finished = await this.waitFor(jobIds[b]!, deadline, dispatchOptions.signal);
        if (finished.state !== 'completed') {
          for (const clientId of batches[b]!) yield { ok: false, clientId, reason: finished.reason, bytesDown: 0 };
          continue;
        }
        const bytes = await redis.getBuffer(`${base}:b${b}`);
        if (!bytes) throw new GeoFedError(`round ${task.round}: the results of job ${jobIds[b]} are missing from Redis`, { remedy: 'check that Redis keeps its keys (maxmemory policy noeviction)' });
        resultBytes += bytes.length;
        const updates = decodeUpdates(bytes, this.options.task.weightSpecs, task.weights as WeightList, this.options.statistics);
        for (const failure of finished.result.failed) yield { ok: false, clientId: failure.clientId, reason: failure.reason, bytesDown: 0 };
        for (const [i, update] of updates.entries()) {
          // The task crossed Redis once per round: count it with the round's first update.
          const bytesDown = b === 0 && i === 0 ? taskBytes.byteLength : 0;
          yield { ok: true, update, bytesUp: i === 0 ? bytes.length : 0, bytesDown };
        }
      }
    } finally {
      this.roundBytes.push({ round: task.round, task: taskBytes.byteLength, results: resultBytes, jobs: batches.length });
      await this.cleanUp(base, jobIds);
    }
  }

  private async waitFor(
    jobId: string,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<{ state: 'completed'; result: ClusterJobResult } | { state: 'failed'; reason: string }> {
    for (;;) {
      // The state first: a job read before it completes carries no result.
      const state = await this.queue.getJobState(jobId);
      if (state === 'unknown') return { state: 'failed', reason: `job ${jobId} vanished from the queue` };
      if (state === 'completed' || state === 'failed') {
        const job = await this.queue.getJob(jobId);
        if (state === 'completed' && job?.returnvalue) return { state, result: job.returnvalue };
        return { state: 'failed', reason: `job ${jobId} failed: ${job?.failedReason ?? 'no result'}` };
      }
      if (Date.now() > deadline) return { state: 'failed', reason: 'no answer before the round deadline' };
      signal?.throwIfAborted();
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  private async cleanUp(base: string, jobIds: readonly string[]): Promise<void> {
    const keys = [`${base}:task`, ...jobIds.map((_, b) => `${base}:b${b}`)];
    await this.options.redis.del(...keys);
    for (const id of jobIds) {
      // An active job (deadline passed) cannot be removed; it ends on its own and its key expires.
      await this.queue.remove(id).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
    if (this.options.ownsConnection) await this.options.redis.quit();
  }
}
