/**
 * The worker side of a cluster run: takes federation jobs (a batch of one round's sampled virtual clients), loads
 * the data set itself (checked against the coordinator's checksum), carves the clients from the seed exactly as
 * the simulation does, trains them one after another on one model, and writes their updates (or one partial
 * aggregate of them) to Redis for the coordinator's ClusterPool.
 */
import { createHash } from 'node:crypto';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { runRoundTask } from '@geofed/client/runTask';
import type { Dataset } from '@geofed/shared/data/dataset';
import { loadDataset } from '@geofed/shared/data/registry';
import { GeoFedError } from '@geofed/shared/errors';
import type { ClientUpdate, RoundTask } from '@geofed/shared/federation/task';
import { buildModel, type GeoModel } from '@geofed/shared/models/geoModel';
import { initBackend } from '@geofed/shared/tf/backend';
import { FEDERATION_QUEUE, type ClusterJobData, type ClusterJobResult } from '@geofed/coordinator/engine/clusterPool';
import { decodeClusterTask, encodeUpdates, partialAggregate } from '@geofed/coordinator/engine/clusterWire';
import { setupMethod } from '@geofed/coordinator/methods/methodSetup';
import type { SimulationConfig } from '../config/simulationConfig.ts';
import { makeClients } from './simulation.ts';
import { clientData, type VirtualClient } from './virtualClients.ts';

/** SHA-256 of the training and test splits, so every machine can prove it trains on the coordinator's data. */
export function datasetChecksum(dataset: Dataset): string {
  const hash = createHash('sha256');
  for (const split of [dataset.train, dataset.test]) {
    for (const values of [split.x, split.y]) hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return hash.digest('hex');
}

/** One run's data, clients and model on this worker, built on its first job and kept for the next. */
interface RunContext {
  readonly dataset: Dataset;
  readonly clients: Map<string, VirtualClient>;
  readonly model: GeoModel;
  readonly modelSpec: string;
  /** The last round's task, fetched once per round however many of its jobs land here. */
  task?: { readonly key: string; readonly task: RoundTask };
}

const KEY_TTL_SECONDS = 24 * 3600;

async function buildContext(config: SimulationConfig, checksum: string): Promise<RunContext> {
  await initBackend(config.backend === 'auto' ? undefined : config.backend);
  const dataset = await loadDataset(config.dataset);
  const here = datasetChecksum(dataset);
  if (here !== checksum) {
    throw new UnrecoverableError(
      `data set ${dataset.name} on this worker (checksum ${here.slice(0, 12)}) differs from the coordinator's (${checksum.slice(0, 12)}); ` +
        'put the same files on every machine',
    );
  }
  const { head } = setupMethod({ method: config.method, classifier: config.classifier, numClasses: dataset.numClasses, seed: config.seed, privacy: config.privacy });
  const model = buildModel(config.model, { inputShape: dataset.inputShape, numClasses: dataset.numClasses }, config.seed, head);
  const clients = new Map(makeClients(config, dataset).map((c) => [c.id, c]));
  return { dataset, clients, model, modelSpec: JSON.stringify(config.model) };
}

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
      context = buildContext(setup as SimulationConfig, checksum);
      context.catch(() => this.contexts.delete(runId));
      this.contexts.set(runId, context);
    }
    return context;
  }

  private async run(job: Job<ClusterJobData>, redis: Redis): Promise<ClusterJobResult> {
    const context = await this.context(job);
    const { taskKey, resultKey, clients, partial, round, batch } = job.data;
    if (context.task?.key !== taskKey) {
      const bytes = await redis.getBuffer(taskKey);
      if (!bytes) throw new GeoFedError(`round ${round}: the task is gone from Redis (the coordinator ended the round)`);
      const received = decodeClusterTask(bytes, () => context.model);
      context.task = { key: taskKey, task: received.task };
    }
    const { task } = context.task;
    const updates: ClientUpdate[] = [];
    const failed: { clientId: string; reason: string }[] = [];
    for (const id of clients) {
      const client = context.clients.get(id);
      if (!client) {
        failed.push({ clientId: id, reason: 'unknown client' });
        continue;
      }
      try {
        updates.push(await runRoundTask(context.model, clientData(context.dataset.train, context.dataset.inputShape, client), id, task));
      } catch (e) {
        failed.push({ clientId: id, reason: (e as Error).message });
      }
    }
    const sent = partial && updates.length > 0 ? [partialAggregate(updates, `round-${round}/batch-${batch}/${updates.length}-clients`)] : updates;
    const bytes = encodeUpdates(sent, round, context.model.weightSpecs, task.weights);
    await redis.set(resultKey, bytes, 'EX', KEY_TTL_SECONDS);
    return { trained: updates.map((u) => u.clientId), failed, bytes: bytes.length };
  }

  async close(): Promise<void> {
    await this.worker.close();
    for (const context of this.contexts.values()) await context.then((c) => c.model.dispose(), () => undefined);
  }
}
