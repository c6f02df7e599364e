import * as tf from '@tensorflow/tfjs';
import { classCounts } from '@geofed/shared/data/dataset';
import type { ClientUpdate, MethodPayload, RoundTask } from '@geofed/shared/federation/task';
import { clientSeed } from '@geofed/shared/federation/task';
import { accumulateStats, createStats } from '@geofed/shared/geometry/stats';
import { Rng } from '@geofed/shared/math/rng';
import { clipRows } from '@geofed/shared/privacy/clip';
import type { GeoModel } from '@geofed/shared/models/geoModel';
import { embedClientData } from './methods/embeddings.ts';
import { balancedSoftmaxLoss, logPrior, prototypeAlignment, syntheticHeadLoss } from './methods/lossTerms.ts';
import { planSynthesis } from './synthesis/planSynthesis.ts';
import type { ClientData, LossTerms } from './trainer/localTrainer.ts';
import { trainLocal } from './trainer/localTrainer.ts';

const defaultCrossEntropy = (logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar =>
  tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1]), logits) as tf.Scalar;

/**
 * One client's part of a round, the same for a virtual client in a simulation, a worker thread and an edge
 * device: optionally report class statistics of its embeddings under the global model, build the method's loss
 * terms (balanced softmax, prototype alignment, synthetic embeddings for the head), train, report the update.
 */
export async function runRoundTask(model: GeoModel, data: ClientData, clientId: string, task: RoundTask): Promise<ClientUpdate> {
  const seed = clientSeed(task.seed, task.round, clientId);
  const { method, geometry } = (task.payload ?? {}) as MethodPayload;
  const terms: LossTerms = {};
  const payload: Record<string, unknown> = {};
  const rng = new Rng(seed).fork('method');

  if (method) {
    const counts = classCounts(data.split.y, model.numClasses, data.indices);
    const classification = method.balancedSoftmax ? balancedSoftmaxLoss(logPrior(counts, method.priorBound)) : defaultCrossEntropy;
    if (method.balancedSoftmax) terms.classification = classification;
    const extras: Array<(z: tf.Tensor2D, labels: tf.Tensor1D) => tf.Scalar> = [];

    if (method.collectStatistics || (method.synthesis && geometry)) {
      model.setWeights(task.weights);
      const embedded = embedClientData(model, data);
      if (method.collectStatistics) {
        const z = method.clipNorm === undefined ? embedded.z : clipRows(embedded.z, model.embeddingDim, method.clipNorm);
        payload.stats = accumulateStats(createStats(model.numClasses, model.embeddingDim), z, embedded.labels);
      }
      if (method.synthesis && geometry && geometry.classes.length > 0) {
        const pool = planSynthesis({
          realZ: embedded.z,
          realLabels: embedded.labels,
          snapshot: geometry,
          targetPerClass: method.synthesisTarget,
          rng,
          numClasses: model.numClasses,
        });
        if (pool.size > 0) {
          const batch = Math.max(1, Math.round(task.train.batchSize * method.syntheticRatio));
          const synthetic = syntheticHeadLoss(model, pool, batch, rng, classification);
          extras.push(() => synthetic());
        }
      }
    }
    if (method.prototypes && geometry && geometry.classes.length > 0) {
      extras.push(prototypeAlignment(geometry, model.numClasses, method.prototypeWeight));
    }
    if (extras.length > 0) terms.extra = (z, labels) => tf.addN(extras.map((term) => term(z, labels))) as tf.Scalar;
  }

  const result = await trainLocal(model, task.weights, data, { ...task.train, seed }, terms);
  return {
    clientId,
    numSamples: result.numSamples,
    weights: result.weights,
    localSteps: result.steps,
    metrics: result.metrics,
    ...(Object.keys(payload).length > 0 ? { payload } : {}),
  };
}
