import type { ClientUpdate, RoundTask } from '@geofed/shared/federation/task';
import type { FixedClassifier } from '@geofed/shared/math/classifiers/index';
import { buildModel, headFor, type GeoModel } from '@geofed/shared/models/geoModel';
import { modelSpecSchema } from '@geofed/shared/models/modelSpec';
import { WireError } from '@geofed/shared/wire/errors';
import { runRoundTask } from '../runTask.ts';
import type { ClientData } from '../trainer/localTrainer.ts';
import type { EdgeWorker } from './session.ts';

/** A client's training data and the shape of its samples. */
export interface LocalShard {
  readonly data: ClientData;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
}

/**
 * Trains with the same code as a simulated client (runRoundTask). The model is built from the task's model spec
 * (JSON of a ModelSpec) and fixed classifier for this shard's input shape and class count, once per pair.
 */
export function trainingWorker(clientId: string, shard: LocalShard): EdgeWorker {
  const models = new Map<string, GeoModel>();
  const modelFor = (spec: string, classifier: FixedClassifier | undefined): GeoModel => {
    const key = `${spec}\n${classifier?.checksum ?? 'learned head'}`;
    let model = models.get(key);
    if (model === undefined) {
      let parsed;
      try {
        parsed = modelSpecSchema.parse(JSON.parse(spec));
      } catch (e) {
        throw new WireError('BAD_ENCODING', `model spec ${spec} is not one this client can build: ${(e as Error).message}`);
      }
      if (classifier && classifier.numClasses !== shard.numClasses) {
        throw new WireError('SPEC_MISMATCH', `the fixed classifier has ${classifier.numClasses} classes, this client's data ${shard.numClasses}`);
      }
      // The classifier's checksum was verified on receipt. Its temperature is a trained weight that every task sets, so
      // the initial value given here does not matter.
      model = buildModel(parsed, { inputShape: shard.inputShape, numClasses: shard.numClasses }, 0, headFor(classifier, 1));
      models.set(key, model);
    }
    return model;
  };
  return {
    model: modelFor,
    run: (task: RoundTask, spec: string, classifier): Promise<ClientUpdate> => runRoundTask(modelFor(spec, classifier), shard.data, clientId, task),
  };
}
