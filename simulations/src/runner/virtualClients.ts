import type { ClientData } from '@geofed/client/trainer/localTrainer';
import { runRoundTask } from '@geofed/client/runTask';
import type { Split } from '@geofed/shared/data/dataset';
import type { ClientUpdate, RoundTask } from '@geofed/shared/federation/task';
import { statsByteSize, type EmbeddingStats } from '@geofed/shared/geometry/stats';
import type { GeoModel } from '@geofed/shared/models/geoModel';
import { applyTransform, type DomainTransform } from '@geofed/shared/partition/index';
import { weightBytes } from '@geofed/shared/tensor/weights';
import type { ClientOutcome, ClientPool } from '@geofed/coordinator/engine/clientPool';

/**
 * A virtual client: an id and a view onto the shared training split (indices, and under domain skew the
 * client's fixed transform). Plain data, so it can be handed to a worker thread.
 */
export interface VirtualClient {
  readonly id: string;
  readonly indices: Int32Array;
  readonly transform?: DomainTransform;
}

export function virtualClientId(index: number): string {
  return `client-${String(index).padStart(4, '0')}`;
}

export function clientData(split: Split, inputShape: readonly number[], client: VirtualClient): ClientData {
  const { transform } = client;
  if (!transform) return { split, indices: client.indices };
  const featureSize = inputShape.reduce((a, b) => a * b, 1);
  return {
    split,
    indices: client.indices,
    transform: (features, rows) => applyTransform(transform, features.subarray(0, rows * featureSize), inputShape),
  };
}

/** What crossing the wire would cost: float32 weights each way, plus any class statistics sent up. */
export function outcomeOf(task: RoundTask, update: ClientUpdate): ClientOutcome {
  const stats = update.payload?.stats as EmbeddingStats | undefined;
  const bytesUp = weightBytes(update.weights) + (stats ? statsByteSize(stats) : 0);
  return { ok: true, update, bytesUp, bytesDown: weightBytes(task.weights) };
}

/**
 * All virtual clients share one live model in this thread and train one after another.
 * Memory is one model plus index arrays, whatever the number of clients.
 */
export class InProcessPool implements ClientPool {
  private readonly byId: Map<string, VirtualClient>;

  constructor(
    private readonly model: GeoModel,
    private readonly split: Split,
    clients: readonly VirtualClient[],
  ) {
    this.byId = new Map(clients.map((c) => [c.id, c]));
  }

  available(): readonly string[] {
    return [...this.byId.keys()];
  }

  async *dispatch(task: RoundTask, clients: readonly string[]): AsyncIterable<ClientOutcome> {
    for (const id of clients) {
      const client = this.byId.get(id);
      if (!client) {
        yield { ok: false, clientId: id, reason: 'unknown client', bytesDown: 0 };
        continue;
      }
      const update = await runRoundTask(this.model, clientData(this.split, this.model.inputShape, client), id, task);
      yield outcomeOf(task, update);
    }
  }
}
