import type { Dataset } from '@geofed/shared/data/dataset';
import { Rng } from '@geofed/shared/math/rng';
import type { GeoModel } from '@geofed/shared/models/geoModel';
import { representationQuality, type RepresentationQuality } from '@geofed/shared/representation/quality';
import type { RepresentationSettings } from '@geofed/shared/representation/settings';
import type { WeightList } from '@geofed/shared/tensor/weights';

/**
 * Scores global weights' backbone on a seeded sample of the training rows (the same rows every time, so rounds
 * compare) against the whole test set. Runs on this thread's model, whose weights it replaces.
 */
export function representationScorer(args: {
  model: GeoModel;
  dataset: Dataset;
  settings: RepresentationSettings;
  seed: number;
  batchSize: number;
}): (weights: WeightList) => RepresentationQuality {
  const { model, dataset, settings } = args;
  const n = dataset.train.n;
  const rows =
    settings.trainRows >= n
      ? Int32Array.from({ length: n }, (_, i) => i)
      : Int32Array.from(new Rng(args.seed).fork('representation').sample(n, settings.trainRows)).sort();
  return (weights) => {
    model.setWeights(weights);
    return representationQuality(model, dataset.train, rows, dataset.test, { neighbours: settings.neighbours, batchSize: args.batchSize });
  };
}
