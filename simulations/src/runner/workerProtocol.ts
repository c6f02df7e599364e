import type { Split } from '@geofed/shared/data/dataset';
import type { ClientUpdate, RoundTask } from '@geofed/shared/federation/task';
import type { EvaluationPart } from '@geofed/shared/models/evaluate';
import type { HeadSpec } from '@geofed/shared/models/geoModel';
import type { ModelSpec } from '@geofed/shared/models/modelSpec';
import type { BackendName } from '@geofed/shared/tf/backendNames';
import type { WeightList } from '@geofed/shared/tensor/weights';
import type { VirtualClient } from './virtualClients.ts';

/** Everything a simulation worker thread needs once, at start-up. The splits' arrays are shared, not copied. */
export interface WorkerSetup {
  readonly split: Split;
  /** The test split, which the workers evaluate the global model on, a share each. */
  readonly test: Split;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly model: ModelSpec;
  readonly head: HeadSpec;
  readonly modelSeed: number;
  readonly backend: BackendName | undefined;
  readonly clients: readonly VirtualClient[];
}

export type ToWorker =
  | { type: 'train'; task: RoundTask; clientId: string; job: number }
  | { type: 'evaluate'; weights: WeightList; batchSize: number; fromRow: number; toRow: number };

export type FromWorker =
  | { type: 'ready'; backend: string }
  | { type: 'done'; job: number; update: ClientUpdate }
  | { type: 'failed'; job: number; clientId: string; reason: string }
  | { type: 'evaluated'; part: EvaluationPart }
  | { type: 'evaluationFailed'; reason: string };
