import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { PartitionProgress } from '@geofed/shared/partition/index';
import { loadSimulationConfig } from '@geofed/simulations/config/simulationConfig';
import { runSimulation } from '@geofed/simulations/runner/simulation';

const CONFIG = fileURLToPath(new URL('../../configs/fmnist-100k-clients.yaml', import.meta.url));

test('the 100,000-client config at a smaller scale: 20,000 clients on 6,000 samples, 100 sampled, empty ones never', async () => {
  // The committed config with its data set and size turned down, so it runs in seconds.
  const config = loadSimulationConfig(CONFIG, [
    'dataset=synthetic',
    'clients=20000',
    'rounds=1',
    'evaluation.personalization.epochs=0',
  ]);
  const draws: PartitionProgress[] = [];
  let ready = 0;
  const run = await runSimulation(config, {
    onPartitionProgress: (p) => draws.push(p),
    onReady: ({ clients }) => (ready = clients.length),
  });
  assert.equal(draws.length, 1, 'minSize 0 keeps the first draw');
  assert.equal(draws[0]!.clients, 20_000);
  assert.ok(ready > 0 && ready < 20_000, `${ready} clients hold data`);
  const [round] = run.rounds;
  assert.equal(round!.clients.length, 100);
  assert.deepEqual(round!.failed, []);
  assert.ok(Number.isFinite(round!.testAccuracy) && Number.isFinite(round!.trainLoss));
  assert.equal(run.clientClassCounts.length, ready);
  assert.ok(run.clientClassCounts.every((row) => row.some((v) => v > 0)), 'every client in the pool holds data');
});
