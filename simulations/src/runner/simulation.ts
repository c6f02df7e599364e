import { availableParallelism } from 'node:os';
import { classCounts, type Dataset } from '@geofed/shared/data/dataset';
import { loadDataset } from '@geofed/shared/data/registry';
import { buildModel, type GeoModel } from '@geofed/shared/models/geoModel';
import { evaluate } from '@geofed/shared/models/evaluate';
import { loadWeightsFor } from '@geofed/shared/models/weightsFile';
import { partition } from '@geofed/shared/partition/index';
import { initBackend, type BackendInfo } from '@geofed/shared/tf/backend';
import { createStrategy } from '@geofed/coordinator/strategies/index';
import { RoundEngine, type RoundRecord } from '@geofed/coordinator/engine/roundEngine';
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
  dataset: { name: string; synthetic: boolean; numClasses: number; train: number; test: number; source: Record<string, unknown> };
  clientClassCounts: number[][];
  threads: number;
  rounds: RoundRecord[];
}

function makeClients(config: SimulationConfig, dataset: Dataset): VirtualClient[] {
  if (config.mode === 'centralized') {
    return [{ id: 'centralized', indices: Int32Array.from({ length: dataset.train.n }, (_, i) => i) }];
  }
  const result = partition(dataset.train.y, dataset.numClasses, { ...config.partition, clients: config.clients }, config.seed);
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
  const model: GeoModel = buildModel(config.model, shape, config.seed);
  const initialWeights = config.init ? loadWeightsFor(config.init, model.weightSpecs) : model.getWeights();
  const threads = threadCount(config, clients.length);

  const pool: ClientPool & { close?(): Promise<void> } =
    threads > 1
      ? await WorkerPool.start(
          {
            split: dataset.train,
            ...shape,
            model: config.model,
            head: model.head,
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
    train: config.local,
    seed: config.seed,
    fractionPerRound: config.mode === 'centralized' ? 1 : config.fractionPerRound,
    minClientsPerRound: config.minClientsPerRound,
    evaluate(weights) {
      model.setWeights(weights);
      return evaluate(model, dataset.test, undefined, config.evaluation.batchSize);
    },
  });

  hooks.onReady?.({ dataset, clients, backend, threads });
  const rounds: RoundRecord[] = [];
  try {
    for (let r = 0; r < config.rounds; r++) {
      const record = await engine.runRound();
      rounds.push(record);
      hooks.onRound?.(record, config.rounds);
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
      train: dataset.train.n,
      test: dataset.test.n,
      source: dataset.source,
    },
    clientClassCounts: clients.map((c) => classCounts(dataset.train.y, dataset.numClasses, c.indices)),
    threads,
    rounds,
  };
}
