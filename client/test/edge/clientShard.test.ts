import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset } from '@geofed/shared/data/registry';
import { partition } from '@geofed/shared/partition/index';
import { parseSimulationConfig } from '@geofed/simulations/config/simulationConfig';
import { loadClientShard } from '@geofed/simulations/runner/clientShard';

test("an edge client's shard is exactly the simulation's client of the same index", async () => {
  const config = parseSimulationConfig({ dataset: 'synthetic', clients: 5, partition: { scheme: 'dirichlet', alpha: 0.5 }, seed: 7 }, '/');
  const dataset = await loadDataset(config.dataset);
  const simulated = partition(dataset.train.y, dataset.numClasses, { ...config.partition, clients: config.clients }, config.seed);
  for (const index of [0, 3]) {
    const shard = await loadClientShard({ dataset: { name: 'synthetic' }, partition: { scheme: 'dirichlet', clients: 5, alpha: 0.5 }, index, seed: 7 });
    assert.deepEqual(shard.data.indices, simulated.clients[index]);
    assert.equal(shard.simulatedId, `client-000${index}`);
    assert.deepEqual(shard.inputShape, dataset.inputShape);
  }
});

test('a client index outside the partition is refused', async () => {
  await assert.rejects(
    loadClientShard({ dataset: { name: 'synthetic' }, partition: { scheme: 'iid', clients: 5 }, index: 5, seed: 0 }),
    /client index 5 is not in \[0, 5\)/,
  );
});
