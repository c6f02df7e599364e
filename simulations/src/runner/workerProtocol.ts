import type { Split } from '@geofed/shared/data/dataset';
import type { ClientUpdate, RoundTask } from '@geofed/shared/federation/task';
import type { HeadSpec } from '@geofed/shared/models/geoModel';
import type { ModelSpec } from '@geofed/shared/models/modelSpec';
import type { BackendName } from '@geofed/shared/tf/backend';
import type { VirtualClient } from './virtualClients.ts';

/** Everything a simulation worker thread needs once, at start-up. The split's arrays are shared, not copied. */
export interface WorkerSetup {
  readonly split: Split;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly model: ModelSpec;
  readonly head: HeadSpec;
  readonly modelSeed: number;
  readonly backend: BackendName | undefined;
  readonly clients: readonly VirtualClient[];
}

export type ToWorker = { type: 'train'; task: RoundTask; clientId: string; job: number };

export type FromWorker =
  | { type: 'ready'; backend: string }
  | { type: 'done'; job: number; update: ClientUpdate }
  | { type: 'failed'; job: number; clientId: string; reason: string };
