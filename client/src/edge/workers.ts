import type { ClientUpdate, RoundTask } from '@geofed/shared/federation/task';
import { buildModel, type GeoModel } from '@geofed/shared/models/geoModel';
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
 * (JSON of a ModelSpec) for this shard's input shape and class count, once per spec.
 */
export function trainingWorker(clientId: string, shard: LocalShard): EdgeWorker {
  const models = new Map<string, GeoModel>();
  const modelFor = (spec: string): GeoModel => {
    let model = models.get(spec);
    if (model === undefined) {
      let parsed;
      try {
        parsed = modelSpecSchema.parse(JSON.parse(spec));
      } catch (e) {
        throw new WireError('BAD_ENCODING', `model spec ${spec} is not one this client can build: ${(e as Error).message}`);
      }
      model = buildModel(parsed, { inputShape: shard.inputShape, numClasses: shard.numClasses }, 0);
      models.set(spec, model);
    }
    return model;
  };
  return {
    weightSpecs: (spec) => modelFor(spec).weightSpecs,
    run: (task: RoundTask, spec: string): Promise<ClientUpdate> => runRoundTask(modelFor(spec), shard.data, clientId, task),
  };
}
