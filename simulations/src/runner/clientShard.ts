import { GeoFedError } from '@geofed/shared/errors';
import { loadDataset, type DatasetSpecInput } from '@geofed/shared/data/registry';
import { partition, type PartitionSpecInput } from '@geofed/shared/partition/index';
import type { LocalShard } from '@geofed/client/edge/workers';
import { clientData, virtualClientId } from './virtualClients.ts';

export interface ShardRequest {
  readonly dataset: DatasetSpecInput;
  /** The partition of the whole federation, with its client count. */
  readonly partition: PartitionSpecInput;
  /** Which client's share: 0-based, below the partition's client count. */
  readonly index: number;
  /** The run seed (the simulation's `seed`), which seeds the partition. */
  readonly seed: number;
}

export interface ClientShard extends LocalShard {
  /** The id the simulation gives this client (client-0003 ...). */
  readonly simulatedId: string;
  readonly size: number;
}

/**
 * Shard `index` of exactly the partition a simulation with the same data set, partition and seed makes: the same
 * function, arguments and seed as the simulation runner, so an edge deployment can be compared with a simulation.
 */
export async function loadClientShard(request: ShardRequest): Promise<ClientShard> {
  const clients = request.partition.clients;
  if (clients === undefined || !Number.isInteger(request.index) || request.index < 0 || request.index >= clients) {
    throw new GeoFedError(`client index ${request.index} is not in [0, ${clients ?? '?'})`, {
      remedy: 'pass --index K with 0 <= K < --clients N',
    });
  }
  const dataset = await loadDataset(request.dataset);
  const result = partition(dataset.train.y, dataset.numClasses, request.partition, request.seed);
  const indices = result.clients[request.index]!;
  const transform = result.transforms?.[request.index];
  const simulatedId = virtualClientId(request.index);
  return {
    simulatedId,
    size: indices.length,
    inputShape: dataset.inputShape,
    numClasses: dataset.numClasses,
    data: clientData(dataset.train, dataset.inputShape, { id: simulatedId, indices, ...(transform ? { transform } : {}) }),
  };
}
