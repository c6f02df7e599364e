import type { MethodPlan } from '@geofed/shared/config/method';
import type { Dataset } from '@geofed/shared/data/dataset';
import type { BackendInfo } from '@geofed/shared/tf/backend';
import type { RoundRecord } from '../engine/roundEngine.ts';
import type { PreparedModel } from './prepareModel.ts';

/** What a run reports about itself in result.json, the same for a simulation and a networked coordinator. */
export interface RunReport {
  backend: BackendInfo;
  dataset: {
    name: string;
    synthetic: boolean;
    numClasses: number;
    classNames: readonly string[];
    train: number;
    test: number;
    source: Record<string, unknown>;
  };
  method: MethodPlan;
  classifier?: { type: string; dim: number; checksum: string };
  rounds: RoundRecord[];
}

export function runReport({ backend, dataset, setup }: PreparedModel, rounds: RoundRecord[]): RunReport {
  const { classifier } = setup;
  return {
    backend,
    dataset: datasetSummary(dataset),
    method: setup.plan,
    ...(classifier ? { classifier: { type: classifier.type, dim: classifier.dim, checksum: classifier.checksum } } : {}),
    rounds,
  };
}

function datasetSummary(dataset: Dataset): RunReport['dataset'] {
  return {
    name: dataset.name,
    synthetic: dataset.synthetic,
    numClasses: dataset.numClasses,
    classNames: dataset.classNames,
    train: dataset.train.n,
    test: dataset.test.n,
    source: dataset.source,
  };
}
