import type { ClassifierSettings, MethodSettings } from '@geofed/shared/config/method';
import type { Dataset } from '@geofed/shared/data/dataset';
import { loadDataset, type DatasetSpec } from '@geofed/shared/data/registry';
import { evaluate, type Evaluation } from '@geofed/shared/models/evaluate';
import { buildModel, type GeoModel } from '@geofed/shared/models/geoModel';
import type { ModelSpec } from '@geofed/shared/models/modelSpec';
import type { PrivacySettings } from '@geofed/shared/privacy/config';
import type { WeightList } from '@geofed/shared/tensor/weights';
import { initBackend, type BackendInfo } from '@geofed/shared/tf/backend';
import type { BackendName } from '@geofed/shared/tf/backendNames';
import { setupMethod, type MethodSetup } from '../methods/methodSetup.ts';

/** What fixes a run's model: its data set (input shape, classes), architecture, method (head) and seed. */
export interface ModelConfig {
  readonly dataset: DatasetSpec;
  readonly model: ModelSpec;
  readonly method: MethodSettings;
  readonly classifier: ClassifierSettings;
  readonly seed: number;
  readonly backend: 'auto' | BackendName;
  readonly privacy?: PrivacySettings | undefined;
}

export interface PreparedModel {
  readonly backend: BackendInfo;
  /** The model as clients name it on the wire (its config, as JSON). */
  readonly modelSpec: string;
  readonly dataset: Dataset;
  readonly model: GeoModel;
  readonly setup: MethodSetup;
}

/**
 * Backend, data set, method and the model with its head, from a run's config: what a federation trains, and what
 * `geofed evaluate` and `geofed embed` load a weights file into, so that the file means the same model there.
 */
export async function prepareModel(config: ModelConfig): Promise<PreparedModel> {
  const backend = await initBackend(config.backend === 'auto' ? undefined : config.backend);
  const dataset = await loadDataset(config.dataset);
  const { numClasses } = dataset;
  const setup = setupMethod({
    method: config.method,
    classifier: config.classifier,
    numClasses,
    seed: config.seed,
    ...(config.privacy ? { privacy: config.privacy } : {}),
  });
  const model = buildModel(config.model, { inputShape: dataset.inputShape, numClasses }, config.seed, setup.head);
  return { backend, modelSpec: JSON.stringify(config.model), dataset, model, setup };
}

/** The model with `weights` scored on the data set's test split, as a run reports its rounds. */
export function scoreWeights({ model, dataset }: PreparedModel, weights: WeightList, batchSize: number): Evaluation {
  model.setWeights(weights);
  return evaluate(model, dataset.test, undefined, batchSize);
}
