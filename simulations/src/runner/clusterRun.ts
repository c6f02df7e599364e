import { randomUUID } from 'node:crypto';
import type { MethodPlan } from '@geofed/shared/config/method';
import type { Dataset } from '@geofed/shared/data/dataset';
import type { FixedClassifier } from '@geofed/shared/math/classifiers/index';
import type { GeoModel } from '@geofed/shared/models/geoModel';
import { ClusterPool } from '@geofed/coordinator/engine/clusterPool';
import type { Strategy } from '@geofed/coordinator/strategies/types';
import type { SimulationConfig } from '../config/simulationConfig.ts';
import { connectRedis } from '../scheduler/redisConnection.ts';
import { schedulerSettings } from '../scheduler/settings.ts';
import { datasetChecksum } from './clusterTraining.ts';
import type { VirtualClient } from './virtualClients.ts';

export interface ClusterRunSetup {
  readonly config: SimulationConfig;
  readonly dataset: Dataset;
  readonly clients: readonly VirtualClient[];
  readonly model: GeoModel;
  readonly classifier: FixedClassifier | undefined;
  readonly strategy: Strategy;
  readonly plan: MethodPlan;
}

/**
 * The simulation's client pool on `geofed worker` processes: FedAvg-family strategies get one partial aggregate per
 * job, strategies that need every update get the individual updates. The workers rebuild the clients from this
 * same config (data set, partition, seed), so only ids cross Redis.
 */
export async function startClusterPool(setup: ClusterRunSetup): Promise<ClusterPool> {
  const { config, dataset, model, classifier, strategy, plan } = setup;
  const cluster = config.cluster!;
  const redis = await connectRedis(cluster.url, 'worker');
  return new ClusterPool({
    redis,
    ownsConnection: true,
    prefix: cluster.prefix ?? schedulerSettings().prefix,
    runId: randomUUID(),
    clients: setup.clients.map((c) => c.id),
    // Without the cluster key, so a worker could never mistake it for a run to spread further.
    setup: { ...config, cluster: undefined },
    checksum: datasetChecksum(dataset),
    jobsPerRound: cluster.jobsPerRound,
    partial: cluster.partialAggregates && !strategy.needsAllUpdates,
    task: { modelSpec: JSON.stringify(config.model), weightSpecs: model.weightSpecs, ...(classifier ? { classifier } : {}) },
    ...(plan.collectStatistics ? { statistics: { numClasses: dataset.numClasses, dim: model.embeddingDim } } : {}),
  });
}
