import * as tf from '@tensorflow/tfjs';
import { gatherRows } from '@geofed/shared/data/batch';
import type { GeoModel } from '@geofed/shared/models/geoModel';
import { sizeOf } from '@geofed/shared/tensor/weights';
import type { ClientData } from '../trainer/localTrainer.ts';

/** The embeddings z of every local sample under the model's current weights (n x dim) and their labels. */
export function embedClientData(model: GeoModel, data: ClientData, batchSize = 500): { z: Float32Array; labels: Int32Array } {
  const featureSize = sizeOf(model.inputShape);
  const n = data.indices.length;
  const d = model.embeddingDim;
  const z = new Float32Array(n * d);
  const labels = new Int32Array(n);
  const features = new Float32Array(Math.min(batchSize, n) * featureSize);
  const batchLabels = new Int32Array(Math.min(batchSize, n));
  for (let start = 0; start < n; start += batchSize) {
    const rows = gatherRows(data.split, featureSize, data.indices, start, Math.min(n, start + batchSize), features, batchLabels);
    data.transform?.(features, rows);
    // Read back outside tidy: tidy walks whatever its callback returns, element by element for a typed array.
    const out = tf.tidy(() => model.embed(tf.tensor(features.subarray(0, rows * featureSize), [rows, ...model.inputShape])));
    z.set(out.dataSync(), start * d);
    out.dispose();
    labels.set(batchLabels.subarray(0, rows), start);
  }
  return { z, labels };
}
