import { availableParallelism } from 'node:os';
import { classCounts, type Dataset } from '@geofed/shared/data/dataset';
import { loadDataset } from '@geofed/shared/data/registry';
import type { MethodPlan } from '@geofed/shared/config/method';
import type { GeometrySnapshot } from '@geofed/shared/geometry/snapshot';
import { buildModel, type GeoModel } from '@geofed/shared/models/geoModel';
import { evaluate } from '@geofed/shared/models/evaluate';
import { loadWeightsFor } from '@geofed/shared/models/weightsFile';
import { checkTransforms, partition, type OnPartitionProgress } from '@geofed/shared/partition/index';
import { representationDue } from '@geofed/shared/representation/settings';
import type { WeightList } from '@geofed/shared/tensor/weights';
import { initBackend, type BackendInfo } from '@geofed/shared/tf/backend';
import { createStrategy } from '@geofed/coordinator/strategies/index';
import { RoundEngine, type RoundRecord } from '@geofed/coordinator/engine/roundEngine';
import { setupMethod } from '@geofed/coordinator/methods/methodSetup';
import type { ClientPool } from '@geofed/coordinator/engine/clientPool';
import { aggregationFor } from '@geofed/coordinator/secagg/aggregatingPool';
import { RunAccountant } from '@geofed/shared/privacy/runAccountant';
import type { SimulationConfig } from '../config/simulationConfig.ts';
import { fineTunedPersonalization, personalizedAccuracy, type FineTunedPersonalization } from './personalization.ts';
import { InProcessPool, virtualClientId, type VirtualClient } from './virtualClients.ts';
import { WorkerPool } from './workerPool.ts';
import { startClusterPool } from './clusterRun.ts';
import { representationScorer } from './representation.ts';

export interface SimulationHooks {
  /** Called after every draw of a partition that redraws (progress on 100,000-client partitions). */
  onPartitionProgress?: OnPartitionProgress;
  /** Called after every round (progress bars, job progress). */
  onRound?(record: RoundRecord, totalRounds: number): void;
  /** Called once the data, partition and model are ready, before round 1. */
  onReady?(info: { dataset: Dataset; clients: readonly VirtualClient[]; backend: BackendInfo; threads: number }): void;
  /** Lets an observer (the live dashboard) watch the engine's client pool; returns the pool the engine uses. */
  observePool?(pool: ClientPool): ClientPool;
}

export interface SimulationRun {
  config: SimulationConfig;
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
  clientClassCounts: number[][];
  method: MethodPlan;
  classifier?: { type: string; dim: number; checksum: string };
  /** The last pooled geometry (GeoFed family), for pictures. */
  geometry: GeometrySnapshot | undefined;
  threads: number;
  rounds: RoundRecord[];
  /** Personalised accuracy after each client fine-tunes the final model's head locally. */
  personalization: FineTunedPersonalization | undefined;
}

export function makeClients(config: SimulationConfig, dataset: Dataset, onProgress?: OnPartitionProgress): VirtualClient[] {
  if (config.mode === 'centralized') {
    return [{ id: 'centralized', indices: Int32Array.from({ length: dataset.train.n }, (_, i) => i) }];
  }
  const spec = { ...config.partition, clients: config.clients };
  const result = partition(dataset.train.y, dataset.numClasses, spec, config.seed, onProgress ? { onProgress } : {});
  if (result.transforms) checkTransforms(result.transforms, dataset.inputShape);
  const clients = result.clients.map((indices, k) => ({
    id: virtualClientId(k),
    indices,
    ...(result.transforms?.[k] ? { transform: result.transforms[k] } : {}),
  }));
  // With minSize 0 a client may hold nothing (100,000 clients on 60,000 images): it has nothing to train on, so it
  // is never sampled; the others keep their ids.
  return clients.filter((c) => c.indices.length > 0);
}

function threadCount(config: SimulationConfig, clients: number): number {
  const wanted = config.threads === 'auto' ? availableParallelism() : config.threads;
  return Math.max(1, Math.min(wanted, clients));
}

/**
 * Runs a whole simulated federation: data, partition, model, strategy and round engine, with virtual clients in
 * this thread or spread over worker threads. Everything that can fail on bad input (data set, partition, init
 * weights) fails before round 1.
 */
export async function runSimulation(config: SimulationConfig, hooks: SimulationHooks = {}): Promise<SimulationRun> {
  const backend = await initBackend(config.backend === 'auto' ? undefined : config.backend);
  const dataset = await loadDataset(config.dataset);
  const clients = makeClients(config, dataset, hooks.onPartitionProgress);
  const shape = { inputShape: dataset.inputShape, numClasses: dataset.numClasses };
  const setup = setupMethod({
    method: config.method,
    classifier: config.classifier,
    numClasses: dataset.numClasses,
    seed: config.seed,
    privacy: config.privacy,
  });
  const { plan, classifier, head } = setup;
  const model: GeoModel = buildModel(config.model, shape, config.seed, head);
  const method = setup.serverMethod(model.embeddingDim);
  const clientCounts = clients.map((c) => classCounts(dataset.train.y, dataset.numClasses, c.indices));
  const initialWeights = config.init ? loadWeightsFor(config.init, model.weightSpecs) : model.getWeights();
  const threads = threadCount(config, clients.length);
  const strategy = createStrategy(config.strategy);
  const aggregation = aggregationFor({
    secureAggregation: config.secureAggregation,
    privacy: config.privacy,
    strategy,
    plan,
    maxSamples: Math.max(...clients.map((c) => c.indices.length)),
    numClasses: dataset.numClasses,
    embeddingDim: model.embeddingDim,
    seed: config.seed,
    payloadBytes: (_task, clientId) => method.taskPayload().bytes + (method.bytesFor?.(clientId) ?? 0),
  });

  const workers =
    threads > 1 && !config.cluster
      ? await WorkerPool.start(
          {
            split: dataset.train,
            test: dataset.test,
            ...shape,
            model: config.model,
            head,
            modelSeed: config.seed,
            backend: backend.name,
            clients,
          },
          threads,
        )
      : undefined;
  const cluster = config.cluster ? await startClusterPool({ config, dataset, clients, model, classifier, strategy, plan }) : undefined;
  const pool: ClientPool & { close?(): Promise<void> } = cluster ?? workers ?? new InProcessPool(model, dataset.train, clients);
  const roundPool = aggregation ? aggregation(pool) : pool;

  const evaluateHere = (weights: WeightList) => {
    model.setWeights(weights);
    return evaluate(model, dataset.test, undefined, config.evaluation.batchSize);
  };
  const engine = new RoundEngine({
    strategy,
    pool: hooks.observePool?.(roundPool) ?? roundPool,
    initialWeights,
    train: setup.train(config.local),
    method,
    seed: config.seed,
    fractionPerRound: config.mode === 'centralized' ? 1 : config.fractionPerRound,
    minClientsPerRound: config.minClientsPerRound,
    async evaluate(weights) {
      const evaluation = workers ? await workers.evaluate(weights, config.evaluation.batchSize) : evaluateHere(weights);
      return { ...evaluation, extra: { personalizedAccuracy: personalizedAccuracy(evaluation.perClass, clientCounts) } };
    },
  });

  const scoreRepresentation = representationScorer({
    model,
    dataset,
    settings: config.evaluation.representation,
    seed: config.seed,
    batchSize: config.evaluation.batchSize,
  });

  const accountant = RunAccountant.for(config.privacy, {
    collectStatistics: plan.collectStatistics,
    refreshEvery: config.method.refreshEvery,
    q: config.mode === 'centralized' ? 1 : Math.min(1, Math.max(config.minClientsPerRound, Math.round(config.fractionPerRound * clients.length)) / clients.length),
  });
  hooks.onReady?.({ dataset, clients, backend, threads });
  const rounds: RoundRecord[] = [];
  let personalization: FineTunedPersonalization | undefined;
  try {
    for (let r = 0; r < config.rounds; r++) {
      if (accountant?.wouldExceedTarget(engine.round + 1)) break;
      const record = await engine.runRound();
      if (accountant) record.epsilon = accountant.completeRound(record.round);
      if (representationDue(config.evaluation.representation, record.round, config.rounds)) {
        Object.assign(record, scoreRepresentation(engine.globalWeights));
      }
      rounds.push(record);
      hooks.onRound?.(record, config.rounds);
      // Let timers and messages (job cancellation, progress, parent-alive checks) run between rounds.
      await new Promise((resolve) => setImmediate(resolve));
    }
    personalization = await fineTunedPersonalization({
      model,
      weights: engine.globalWeights,
      train: dataset.train,
      test: dataset.test,
      clients: config.mode === 'centralized' ? [] : clients,
      clientCounts,
      local: config.local,
      settings: config.evaluation.personalization,
      seed: config.seed,
      evaluationBatchSize: config.evaluation.batchSize,
    });
  } finally {
    await pool.close?.();
    model.dispose();
  }
  return {
    config,
    backend,
    dataset: {
      name: dataset.name,
      synthetic: dataset.synthetic,
      numClasses: dataset.numClasses,
      classNames: dataset.classNames,
      train: dataset.train.n,
      test: dataset.test.n,
      source: dataset.source,
    },
    clientClassCounts: clientCounts,
    method: plan,
    ...(classifier ? { classifier: { type: classifier.type, dim: classifier.dim, checksum: classifier.checksum } } : {}),
    geometry: method.latestSnapshot,
    threads,
    rounds,
    personalization,
  };
}
