import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { FEDERATION_QUEUE } from '@geofed/coordinator/engine/clusterPool';
import { parseSimulationConfig } from '@geofed/simulations/config/simulationConfig';
import { runSimulation, type SimulationRun } from '@geofed/simulations/runner/simulation';
import { Scenario, stopProcess, waitFor } from '../scheduler/helpers.ts';

/**
 * A run spread over `geofed worker` processes (real processes, loopback Redis, a private key prefix) against the
 * same run in one process. Partial aggregates sum in float64 per job and then across jobs, where the in-process
 * run sums across clients in one go: the per-round numbers agree to float rounding (1e-6 is asserted; on this data
 * they come out identical). Individual updates are folded in selection order, so they must agree bit for bit.
 */
const config = (scenario: Scenario | undefined, overrides: string[] = []) =>
  parseSimulationConfig(
    {
      dataset: { name: 'synthetic', numClasses: 5, dim: 12, trainSize: 3000, testSize: 300, seed: 1 },
      model: { type: 'mlp', hidden: [24, 16] },
      clients: 12,
      partition: { scheme: 'dirichlet', alpha: 0.5 },
      rounds: 3,
      local: { epochs: 2, batchSize: 16, lr: 0.1 },
      backend: 'cpu',
      seed: 4,
      evaluation: { personalization: { epochs: 0 } },
      ...(scenario ? { cluster: { url: scenario.redisUrl, prefix: scenario.prefix, jobsPerRound: 4 } } : {}),
    },
    process.cwd(),
    overrides,
  );

/** A worker loads TF.js before it takes jobs; on a loaded shared machine that can take a minute or more. */
const WORKER_START_MS = 240_000;

const numbers = (run: SimulationRun) => run.rounds.map((r) => [r.testAccuracy, r.testLoss, r.trainLoss]);

test('a cluster run on 2 worker processes gives the in-process per-round results for the same seed', async () => {
  const scenario = new Scenario();
  try {
    await Promise.all([scenario.startWorker([], WORKER_START_MS), scenario.startWorker([], WORKER_START_MS)]);
    const here = await runSimulation(config(undefined));
    const cluster = await runSimulation(config(scenario));
    assert.equal(cluster.rounds.length, here.rounds.length);
    for (const [r, round] of cluster.rounds.entries()) {
      assert.deepEqual(round.failed, [], `round ${r + 1}`);
      const expected = here.rounds[r]!;
      for (const key of ['testAccuracy', 'testLoss', 'trainLoss'] as const) {
        assert.ok(Math.abs(round[key] - expected[key]) <= 1e-6, `round ${r + 1} ${key}: ${round[key]} vs ${expected[key]}`);
      }
    }
    const medianHere = await runSimulation(config(undefined, ['strategy.name=fedmedian']));
    const medianCluster = await runSimulation(config(scenario, ['strategy.name=fedmedian']));
    assert.deepEqual(numbers(medianCluster), numbers(medianHere), 'individual updates: bit for bit');
    assert.deepEqual(await scenario.keys().then((keys) => keys.filter((k) => k.startsWith(`${scenario.prefix}:cluster:`))), [], 'round keys removed');
  } finally {
    await scenario.cleanUp();
  }
});

test('kill -9 of a worker mid-round: its job runs elsewhere and every sampled client counts exactly once', async () => {
  const scenario = new Scenario();
  const { redis } = await scenario.redis();
  const queue = new Queue(FEDERATION_QUEUE, { connection: redis, prefix: scenario.prefix });
  try {
    const [victim] = await Promise.all([scenario.startWorker(['--lock-seconds', '2'], WORKER_START_MS), scenario.startWorker(['--lock-seconds', '2'], WORKER_START_MS)]);
    // Individual updates, so the comparison below is exact: a client counted twice or lost would change it.
    const here = await runSimulation(config(undefined));
    let killed = false;
    const run = runSimulation(config(scenario, ['cluster.partialAggregates=false']), {
      onRound(record) {
        if (record.round !== 1) return;
        // Round 2 starts now: once both workers hold a job, the first one dies mid-job.
        void waitFor('both workers busy', async () => ((await queue.getActiveCount()) >= 2 ? true : undefined), 30_000).then(async () => {
          await stopProcess(victim!.child, 'SIGKILL');
          killed = true;
        }, () => undefined);
      },
    });
    const cluster = await run;
    assert.ok(killed, 'a worker was killed');
    assert.equal(victim!.child.signalCode, 'SIGKILL');
    for (const round of cluster.rounds) assert.deepEqual(round.failed, [], `round ${round.round}`);
    assert.deepEqual(numbers(cluster), numbers(here));
  } finally {
    await queue.close();
    await scenario.cleanUp();
  }
});
