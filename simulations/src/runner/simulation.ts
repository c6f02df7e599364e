import { availableParallelism } from 'node:os';
import { classCounts, type Dataset } from '@geofed/shared/data/dataset';
import { loadDataset } from '@geofed/shared/data/registry';
import { resolveMethod, type MethodPlan } from '@geofed/shared/config/method';
import type { GeometrySnapshot } from '@geofed/shared/geometry/snapshot';
import { buildFixedClassifier, type FixedClassifier } from '@geofed/shared/math/classifiers/index';
import { buildModel, type GeoModel, type HeadSpec } from '@geofed/shared/models/geoModel';
import { evaluate } from '@geofed/shared/models/evaluate';
import { loadWeightsFor } from '@geofed/shared/models/weightsFile';
import { checkTransforms, partition } from '@geofed/shared/partition/index';
import { initBackend, type BackendInfo } from '@geofed/shared/tf/backend';
import { createStrategy } from '@geofed/coordinator/strategies/index';
import { RoundEngine, type RoundRecord } from '@geofed/coordinator/engine/roundEngine';
import { GeometryMethod } from '@geofed/coordinator/methods/geometryMethod';
import type { ClientPool } from '@geofed/coordinator/engine/clientPool';
import type { SimulationConfig } from '../config/simulationConfig.ts';
import { InProcessPool, virtualClientId, type VirtualClient } from './virtualClients.ts';
import { WorkerPool } from './workerPool.ts';

export interface SimulationHooks {
  /** Called after every round (progress bars, job progress). */
  onRound?(record: RoundRecord, totalRounds: number): void;
  /** Called once the data, partition and model are ready, before round 1. */
  onReady?(info: { dataset: Dataset; clients: readonly VirtualClient[]; backend: BackendInfo; threads: number }): void;
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
}

/** FedProx's proximal weight when the method is fedprox and local.proximalMu is not set (design.md section 2). */
const FEDPROX_DEFAULT_MU = 0.01;

function fixedClassifierFor(config: SimulationConfig, numClasses: number): FixedClassifier {
  const type = config.classifier.type === undefined || config.classifier.type === 'learned' ? 'etf' : config.classifier.type;
  return buildFixedClassifier({ type, numClasses, dim: config.classifier.dim, seed: config.classifier.seed });
}

/**
 * Accuracy on a test set drawn with each client's own label distribution, averaged over clients: per-class
 * accuracy weighted by the client's class shares (the expectation such a test set would give).
 */
export function personalizedAccuracy(perClass: ReadonlyArray<[number, number]>, clientCounts: readonly number[][]): number {
  const classAccuracy = perClass.map(([correct, total]) => (total > 0 ? correct / total : 0));
  const perClient = clientCounts
    .map((counts) => {
      const n = counts.reduce((a, b) => a + b, 0);
      return n === 0 ? undefined : counts.reduce((s, c, k) => s + (c / n) * classAccuracy[k]!, 0);
    })
    .filter((a): a is number => a !== undefined);
  return perClient.reduce((a, b) => a + b, 0) / perClient.length;
}

function makeClients(config: SimulationConfig, dataset: Dataset): VirtualClient[] {
  if (config.mode === 'centralized') {
    return [{ id: 'centralized', indices: Int32Array.from({ length: dataset.train.n }, (_, i) => i) }];
  }
  const result = partition(dataset.train.y, dataset.numClasses, { ...config.partition, clients: config.clients }, config.seed);
  if (result.transforms) checkTransforms(result.transforms, dataset.inputShape);
  return result.clients.map((indices, k) => ({
    id: virtualClientId(k),
    indices,
    ...(result.transforms?.[k] ? { transform: result.transforms[k] } : {}),
  }));
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
  const clients = makeClients(config, dataset);
  const shape = { inputShape: dataset.inputShape, numClasses: dataset.numClasses };
  const plan = resolveMethod(config.method, config.classifier);
  const classifier = plan.fixedClassifier ? fixedClassifierFor(config, dataset.numClasses) : undefined;
  const head: HeadSpec = classifier
    ? { kind: 'fixed', classifier: classifier.weights, dim: classifier.dim, initialTemperature: config.classifier.temperature }
    : { kind: 'learned' };
  const model: GeoModel = buildModel(config.model, shape, config.seed, head);
  const method = new GeometryMethod({
    plan,
    geometry: {
      numClasses: dataset.numClasses,
      dim: model.embeddingDim,
      minCount: config.method.geometry.minCount,
      rank: { varianceFraction: config.method.geometry.varianceFraction },
      maxRank: config.method.geometry.maxRank,
      seed: config.seed,
    },
    refreshEvery: config.method.refreshEvery,
    classifierBytes: classifier ? classifier.weights.length * 4 : 0,
  });
  const clientCounts = clients.map((c) => classCounts(dataset.train.y, dataset.numClasses, c.indices));
  const initialWeights = config.init ? loadWeightsFor(config.init, model.weightSpecs) : model.getWeights();
  const threads = threadCount(config, clients.length);

  const pool: ClientPool & { close?(): Promise<void> } =
    threads > 1
      ? await WorkerPool.start(
          {
            split: dataset.train,
            ...shape,
            model: config.model,
            head,
            modelSeed: config.seed,
            backend: backend.name,
            clients,
          },
          threads,
        )
      : new InProcessPool(model, dataset.train, clients);

  const engine = new RoundEngine({
    strategy: createStrategy(config.strategy),
    pool,
    initialWeights,
    train: plan.name === 'fedprox' && config.local.proximalMu === 0 ? { ...config.local, proximalMu: FEDPROX_DEFAULT_MU } : config.local,
    method,
    seed: config.seed,
    fractionPerRound: config.mode === 'centralized' ? 1 : config.fractionPerRound,
    minClientsPerRound: config.minClientsPerRound,
    evaluate(weights) {
      model.setWeights(weights);
      const evaluation = evaluate(model, dataset.test, undefined, config.evaluation.batchSize);
      return { ...evaluation, extra: { personalizedAccuracy: personalizedAccuracy(evaluation.perClass, clientCounts) } };
    },
  });

  hooks.onReady?.({ dataset, clients, backend, threads });
  const rounds: RoundRecord[] = [];
  try {
    for (let r = 0; r < config.rounds; r++) {
      const record = await engine.runRound();
      rounds.push(record);
      hooks.onRound?.(record, config.rounds);
      // Let timers and messages (job cancellation, progress, parent-alive checks) run between rounds.
      await new Promise((resolve) => setImmediate(resolve));
    }
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
  };
}
