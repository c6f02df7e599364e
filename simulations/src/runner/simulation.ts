import { availableParallelism } from 'node:os';
import { classCounts, type Dataset } from '@geofed/shared/data/dataset';
import type { MethodPlan } from '@geofed/shared/config/method';
import type { GeometrySnapshot } from '@geofed/shared/geometry/snapshot';
import { checkTransforms, partition } from '@geofed/shared/partition/index';
import type { BackendInfo } from '@geofed/shared/tf/backend';
import type { RoundRecord } from '@geofed/coordinator/engine/roundEngine';
import { buildFederation } from '@geofed/coordinator/federation/buildFederation';
import { checkCheckpointFolder } from '@geofed/coordinator/federation/checkpointFolder';
import { FINAL_WEIGHTS_FILE } from '@geofed/coordinator/federation/weightsOut';
import { representationDue } from '@geofed/shared/representation/settings';
import { secureAggregationFor } from '@geofed/coordinator/secagg/secureAggregationPool';
import type { SimulationConfig } from '../config/simulationConfig.ts';
import { fineTunedPersonalization, personalizedAccuracy, type FineTunedPersonalization } from './personalization.ts';
import { InProcessPool, virtualClientId, type VirtualClient } from './virtualClients.ts';
import { WorkerPool } from './workerPool.ts';
import { representationScorer } from './representation.ts';

export interface SimulationHooks {
  /** Called after every round (progress bars, job progress). */
  onRound?(record: RoundRecord, totalRounds: number): void;
  /** Called once the data, partition and model are ready, before round 1. */
  onReady?(info: { dataset: Dataset; clients: readonly VirtualClient[]; backend: BackendInfo; threads: number; firstRound: number }): void;
}

export interface SimulationOptions {
  /** Continue from the checkpoint in config.checkpoint.dir (start at round 1 when there is none yet). */
  readonly resume?: boolean;
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
  /** Writes the final global weights into `dir` as weights.safetensors; returns the file. */
  writeWeights(dir: string): string;
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

type SimulationPool = InProcessPool | WorkerPool;

function threadCount(config: SimulationConfig, clients: number): number {
  const wanted = config.threads === 'auto' ? availableParallelism() : config.threads;
  return Math.max(1, Math.min(wanted, clients));
}

/**
 * Runs a whole simulated federation (built by buildFederation, as the coordinator is), with virtual clients in
 * this thread or spread over worker threads. Everything that can fail on bad input (data set, partition, init
 * weights) fails before round 1.
 */
export async function runSimulation(config: SimulationConfig, hooks: SimulationHooks = {}, options: SimulationOptions = {}): Promise<SimulationRun> {
  const resuming = checkCheckpointFolder(config.checkpoint.dir, options.resume === true);
  let clients: VirtualClient[] = [];
  let clientCounts: number[][] = [];
  let threads = 1;
  const federation = await buildFederation(
    { ...config, fractionPerRound: config.mode === 'centralized' ? 1 : config.fractionPerRound },
    {
      async pool({ dataset, model, setup, backend }): Promise<SimulationPool> {
        clients = makeClients(config, dataset);
        clientCounts = clients.map((c) => classCounts(dataset.train.y, dataset.numClasses, c.indices));
        threads = threadCount(config, clients.length);
        if (threads === 1) return new InProcessPool(model, dataset.train, clients);
        const shape = { inputShape: dataset.inputShape, numClasses: dataset.numClasses };
        const setupForWorkers = { split: dataset.train, test: dataset.test, ...shape, model: config.model, head: setup.head, modelSeed: config.seed, backend: backend.name, clients };
        return WorkerPool.start(setupForWorkers, threads);
      },
      roundPool(pool, { strategy, setup, dataset, model, method }) {
        const secure = secureAggregationFor({
          settings: config.secureAggregation,
          strategy,
          plan: setup.plan,
          maxSamples: Math.max(...clients.map((c) => c.indices.length)),
          numClasses: dataset.numClasses,
          embeddingDim: model.embeddingDim,
          payloadBytes: (_task, clientId) => method.taskPayload().bytes + (method.bytesFor?.(clientId) ?? 0),
        });
        return secure ? secure(pool) : pool;
      },
      evaluationExtras: (evaluation) => ({ personalizedAccuracy: personalizedAccuracy(evaluation.perClass, clientCounts) }),
    },
  );
  const { dataset, backend, model, engine, setup, method } = federation;

  const scoreRepresentation = representationScorer({
    model,
    dataset,
    settings: config.evaluation.representation,
    seed: config.seed,
    batchSize: config.evaluation.batchSize,
  });

  let personalization: FineTunedPersonalization | undefined;
  const rounds: RoundRecord[] = [];
  try {
    if (resuming) rounds.push(...federation.resume<RoundRecord>());
    hooks.onReady?.({ dataset, clients, backend, threads, firstRound: engine.round + 1 });
    while (engine.round < config.rounds) {
      const record = await engine.runRound();
      if (representationDue(config.evaluation.representation, record.round, config.rounds)) {
        Object.assign(record, scoreRepresentation(engine.globalWeights));
      }
      rounds.push(record);
      federation.checkpointIfDue(rounds);
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
    await federation.close();
  }
  const { classifier } = setup;
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
    method: setup.plan,
    ...(classifier ? { classifier: { type: classifier.type, dim: classifier.dim, checksum: classifier.checksum } } : {}),
    geometry: method.latestSnapshot,
    threads,
    rounds,
    personalization,
    writeWeights: (dir) => federation.writeWeights(dir, FINAL_WEIGHTS_FILE),
  };
}
