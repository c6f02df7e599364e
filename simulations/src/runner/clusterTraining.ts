/**
 * The training half of a federation job (loaded by the worker on its first job, so `geofed worker` starts without
 * TF.js): load the data set and check its checksum, carve the clients from the seed exactly as the simulation
 * does, train a batch one client after another on one model, and encode the updates or their partial aggregate.
 */
import { createHash } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import { runRoundTask } from '@geofed/client/runTask';
import type { Dataset } from '@geofed/shared/data/dataset';
import { loadDataset } from '@geofed/shared/data/registry';
import type { ClientUpdate, RoundTask } from '@geofed/shared/federation/task';
import { buildModel, type GeoModel } from '@geofed/shared/models/geoModel';
import { initBackend } from '@geofed/shared/tf/backend';
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
export interface RunContext {
  readonly dataset: Dataset;
  readonly clients: Map<string, VirtualClient>;
  readonly model: GeoModel;
  /** The last round's task, fetched once per round however many of its jobs land here. */
  task?: { readonly key: string; readonly task: RoundTask };
}

export async function buildContext(config: SimulationConfig, checksum: string): Promise<RunContext> {
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
  return { dataset, clients, model };
}

export function useTask(context: RunContext, key: string, bytes: Buffer): RoundTask {
  const received = decodeClusterTask(bytes, () => context.model);
  context.task = { key, task: received.task };
  return received.task;
}

export interface TrainedBatch {
  readonly bytes: Buffer;
  readonly trained: string[];
  readonly failed: { clientId: string; reason: string }[];
}

export async function trainBatch(context: RunContext, task: RoundTask, clients: readonly string[], partial: boolean, batch: number): Promise<TrainedBatch> {
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
  const sent = partial && updates.length > 0 ? [partialAggregate(updates, `round-${task.round}/batch-${batch}/${updates.length}-clients`)] : updates;
  return { bytes: encodeUpdates(sent, task.round, context.model.weightSpecs, task.weights), trained: updates.map((u) => u.clientId), failed };
}
