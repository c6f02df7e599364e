import type { ClientUpdate, RoundTask } from '@geofed/shared/federation/task';
import { clientSeed } from '@geofed/shared/federation/task';
import type { GeoModel } from '@geofed/shared/models/geoModel';
import type { ClientData } from './trainer/localTrainer.ts';
import { trainLocal } from './trainer/localTrainer.ts';

/**
 * One client's part of a round, the same for a virtual client in a simulation, a worker thread and an edge
 * device: train from the task's global weights on local data and report the update.
 */
export async function runRoundTask(model: GeoModel, data: ClientData, clientId: string, task: RoundTask): Promise<ClientUpdate> {
  const seed = clientSeed(task.seed, task.round, clientId);
  const result = await trainLocal(model, task.weights, data, { ...task.train, seed });
  return {
    clientId,
    numSamples: result.numSamples,
    weights: result.weights,
    localSteps: result.steps,
    metrics: result.metrics,
  };
}
