import { availableParallelism } from 'node:os';
import { classCounts, type Dataset } from '@geofed/shared/data/dataset';
import type { GeometrySnapshot } from '@geofed/shared/geometry/snapshot';
import { checkTransforms, partition, type OnPartitionProgress } from '@geofed/shared/partition/index';
import { RunAccountant } from '@geofed/shared/privacy/runAccountant';
import type { BackendInfo } from '@geofed/shared/tf/backend';
import type { ClientPool } from '@geofed/coordinator/engine/clientPool';
import type { RoundRecord } from '@geofed/coordinator/engine/roundEngine';
import { buildFederation } from '@geofed/coordinator/federation/buildFederation';
import { checkCheckpointFolder } from '@geofed/coordinator/federation/checkpointFolder';
import { runReport, type RunReport } from '@geofed/coordinator/federation/runReport';
import { FINAL_WEIGHTS_FILE } from '@geofed/coordinator/federation/weightsOut';
import { representationDue } from '@geofed/shared/representation/settings';
import { aggregationFor } from '@geofed/coordinator/secagg/aggregatingPool';
import type { SimulationConfig } from '../config/simulationConfig.ts';
import { fineTunedPersonalization, personalizedAccuracy, type FineTunedPersonalization } from './personalization.ts';
import { InProcessPool, virtualClientId, type VirtualClient } from './virtualClients.ts';
import { WorkerPool } from './workerPool.ts';
import { startClusterPool } from './clusterRun.ts';
import type { ClusterPool } from '@geofed/coordinator/engine/clusterPool';
import { representationScorer } from './representation.ts';

export interface SimulationHooks {
  /** Called after every draw of a partition that redraws (progress on 100,000-client partitions). */
  onPartitionProgress?: OnPartitionProgress;
  /** Called after every round (progress bars, job progress). */
  onRound?(record: RoundRecord, totalRounds: number): void;
  /** Called once the data, partition and model are ready, before round 1. */
  onReady?(info: { dataset: Dataset; clients: readonly VirtualClient[]; backend: BackendInfo; threads: number; firstRound: number }): void;
  /** Lets an observer (the live dashboard) watch the engine's client pool; returns the pool the engine uses. */
  observePool?(pool: ClientPool): ClientPool;
}

export interface SimulationOptions {
  /** Continue from the checkpoint in config.checkpoint.dir (start at round 1 when there is none yet). */
  readonly resume?: boolean;
}

export interface SimulationRun extends RunReport {
  config: SimulationConfig;
  clientClassCounts: number[][];
  /** The last pooled geometry (GeoFed family), for pictures. */
  geometry: GeometrySnapshot | undefined;
  threads: number;
  /** Personalised accuracy after each client fine-tunes the final model's head locally. */
  personalization: FineTunedPersonalization | undefined;
  /** Writes the final global weights into `dir` as weights.safetensors; returns the file. */
  writeWeights(dir: string): string;
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

type SimulationPool = InProcessPool | WorkerPool | ClusterPool;

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
      async pool({ dataset, model, setup, backend, strategy }): Promise<SimulationPool> {
        clients = makeClients(config, dataset, hooks.onPartitionProgress);
        clientCounts = clients.map((c) => classCounts(dataset.train.y, dataset.numClasses, c.indices));
        if (config.cluster) return startClusterPool({ config, dataset, clients, model, classifier: setup.classifier, strategy, plan: setup.plan });
        threads = threadCount(config, clients.length);
        if (threads === 1) return new InProcessPool(model, dataset.train, clients);
        const shape = { inputShape: dataset.inputShape, numClasses: dataset.numClasses };
        const setupForWorkers = { split: dataset.train, test: dataset.test, ...shape, model: config.model, head: setup.head, modelSeed: config.seed, backend: backend.name, clients };
        return WorkerPool.start(setupForWorkers, threads);
      },
      roundPool(pool, { strategy, setup, dataset, model, method }) {
        const aggregation = aggregationFor({
          secureAggregation: config.secureAggregation,
          privacy: config.privacy,
          strategy,
          plan: setup.plan,
          maxSamples: Math.max(...clients.map((c) => c.indices.length)),
          numClasses: dataset.numClasses,
          embeddingDim: model.embeddingDim,
          seed: config.seed,
          payloadBytes: (_task, clientId) => method.taskPayload().bytes + (method.bytesFor?.(clientId) ?? 0),
        });
        const roundPool = aggregation ? aggregation(pool) : pool;
        return hooks.observePool?.(roundPool) ?? roundPool;
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

  const accountant = RunAccountant.for(config.privacy, {
    collectStatistics: setup.plan.collectStatistics,
    refreshEvery: config.method.refreshEvery,
    q: config.mode === 'centralized' ? 1 : Math.min(1, Math.max(config.minClientsPerRound, Math.round(config.fractionPerRound * clients.length)) / clients.length),
  });
  let personalization: FineTunedPersonalization | undefined;
  const rounds: RoundRecord[] = [];
  try {
    if (resuming) {
      rounds.push(...federation.resume<RoundRecord>());
      // The accountant's composition is a function of the rounds run: replaying them restores it.
      for (const record of rounds) accountant?.completeRound(record.round);
    }
    hooks.onReady?.({ dataset, clients, backend, threads, firstRound: engine.round + 1 });
    while (engine.round < config.rounds) {
      if (accountant?.wouldExceedTarget(engine.round + 1)) break;
      const record = await engine.runRound();
      if (accountant) record.epsilon = accountant.completeRound(record.round);
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
  return {
    ...runReport(federation, rounds),
    config,
    clientClassCounts: clientCounts,
    geometry: method.latestSnapshot,
    threads,
    personalization,
    writeWeights: (dir) => federation.writeWeights(dir, FINAL_WEIGHTS_FILE),
  };
}
