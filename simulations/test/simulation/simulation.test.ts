import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSimulationConfig } from '@geofed/simulations/config/simulationConfig';
import { runSimulation } from '@geofed/simulations/runner/simulation';
import { buildResult } from '@geofed/simulations/report/result';

/** A federation small enough to run in seconds: 6 clients, label-skewed synthetic data, a small MLP. */
const small = (overrides: string[] = []) =>
  parseSimulationConfig(
    {
      dataset: { name: 'synthetic', numClasses: 5, dim: 12, trainSize: 900, testSize: 300, seed: 1 },
      model: { type: 'mlp', hidden: [24, 16] },
      clients: 6,
      partition: { scheme: 'dirichlet', alpha: 0.5 },
      rounds: 3,
      local: { epochs: 1, batchSize: 16, lr: 0.1 },
      backend: 'cpu',
      seed: 4,
    },
    process.cwd(),
    overrides,
  );

const accuracies = (run: Awaited<ReturnType<typeof runSimulation>>) => run.rounds.map((r) => r.testAccuracy);

test('the same config and seed give identical per-round accuracies', async () => {
  const a = await runSimulation(small());
  const b = await runSimulation(small());
  assert.deepEqual(accuracies(a), accuracies(b));
  assert.equal(a.rounds.length, 3);
});

test('training on worker threads gives exactly the sequential result', async () => {
  const sequential = await runSimulation(small());
  const threaded = await runSimulation(small(['threads=2']));
  assert.equal(threaded.threads, 2);
  assert.deepEqual(accuracies(threaded), accuracies(sequential));
  // The test set is evaluated in shares on the workers; the batch losses combine in order to the same number.
  assert.deepEqual(
    threaded.rounds.map((r) => [r.testLoss, r.personalizedAccuracy]),
    sequential.rounds.map((r) => [r.testLoss, r.personalizedAccuracy]),
  );
});

test('a federated run learns: accuracy rises over rounds and beats chance', async () => {
  const run = await runSimulation(small(['rounds=5']));
  const acc = accuracies(run);
  assert.ok(acc.at(-1)! > acc[0]!, `accuracy per round: ${acc.join(', ')}`);
  assert.ok(acc.at(-1)! > 0.5, 'five classes: chance is 0.2');
});

test('fractionPerRound samples that share of clients, seeded', async () => {
  const run = await runSimulation(small(['fractionPerRound=0.5']));
  for (const r of run.rounds) assert.equal(r.clients.length, 3);
  const distinctSelections = new Set(run.rounds.map((r) => r.clients.join(',')));
  assert.ok(distinctSelections.size > 1, 'rounds should not all sample the same clients');
  const again = await runSimulation(small(['fractionPerRound=0.5']));
  assert.deepEqual(again.rounds.map((r) => r.clients), run.rounds.map((r) => r.clients));
});

test('centralized mode trains one client holding the whole training set', async () => {
  const run = await runSimulation(small(['mode=centralized', 'rounds=1']));
  assert.deepEqual(run.rounds[0]!.clients, ['centralized']);
  assert.equal(run.clientClassCounts.length, 1);
  assert.equal(run.clientClassCounts[0]!.reduce((a, b) => a + b, 0), 900);
});

test('result.json reports the last round and the mean of the last five, never the best', async () => {
  const run = await runSimulation(small(['rounds=6']));
  const result = buildResult(run);
  const acc = result.rounds.map((r) => r.testAccuracy);
  assert.equal(result.final.testAccuracy, acc[5]);
  assert.ok(Math.abs(result.final.testAccuracyLast5 - acc.slice(1).reduce((a, b) => a + b, 0) / 5) < 1e-12);
  for (const key of ['round', 'testAccuracy', 'testLoss', 'trainLoss', 'clients', 'bytesUp', 'bytesDown', 'seconds']) {
    assert.ok(key in result.rounds[0]!, `round entry has ${key}`);
  }
  assert.equal(result.rounds[0]!.bytesUp, result.rounds[0]!.bytesDown, 'float32 weights both ways');
  assert.ok(result.rounds[0]!.bytesUp > 0);
  assert.equal(result.env.backend && (result.env.backend as { name: string }).name, 'cpu');
});

test('strategies plug in by name (FedAdam, Krum) and still learn', async () => {
  for (const strategy of [['strategy.name=fedadam', 'strategy.serverLr=0.05'], ['strategy.name=krum']]) {
    const run = await runSimulation(small([...strategy, 'rounds=4']));
    assert.ok(run.rounds.at(-1)!.testAccuracy > 0.4, `${strategy}: ${accuracies(run).join(', ')}`);
  }
});
