import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSimulationConfig } from '@geofed/simulations/config/simulationConfig';
import { runSimulation } from '@geofed/simulations/runner/simulation';
import { buildResult } from '@geofed/simulations/report/result';
import { RdpAccountant } from '@geofed/shared/privacy/accountant';

const config = (overrides: string[]) =>
  parseSimulationConfig(
    {
      dataset: { name: 'synthetic', numClasses: 4, dim: 10, trainSize: 800, testSize: 400, seed: 2 },
      model: { type: 'mlp', hidden: [24, 12] },
      clients: 5,
      partition: { scheme: 'dirichlet', alpha: 0.5 },
      rounds: 4,
      local: { epochs: 1, batchSize: 16, lr: 0.1 },
      classifier: { dim: 8 },
      evaluation: { personalization: { epochs: 0 } },
      backend: 'cpu',
      seed: 5,
    },
    process.cwd(),
    overrides,
  );

const DP = ['privacy.clipNorm=5', 'privacy.noiseMultiplier=3', 'privacy.dpFedAvg.clipNorm=1', 'privacy.dpFedAvg.noiseMultiplier=2'];

test('geofed with DP: noisy geometry, DP-FedAvg weights, epsilon per round in result.json as the accountant composes it', async () => {
  const run = await runSimulation(config(['method.name=geofed', ...DP]));
  const result = buildResult(run);
  assert.ok(run.geometry?.noise, 'the released geometry records its noise');
  assert.equal(run.geometry.noise.sumStd, 3 * 5);
  // Every client every round (q = 1): per round one Gaussian with z = 2 for the weights, one with 3/sqrt(3) for the statistics.
  const expected = new RdpAccountant(1e-5);
  result.rounds.forEach((r) => {
    expected.compose([{ q: 1, noiseMultiplier: 2 }, { q: 1, noiseMultiplier: 3 / Math.sqrt(3) }]);
    assert.ok(Math.abs(Number(r.epsilon) - expected.epsilon) < 1e-9, `round ${r.round}: ${r.epsilon} vs ${expected.epsilon}`);
  });
  assert.equal(result.final.epsilon, result.rounds.at(-1)!.epsilon);
  assert.ok(result.rounds.every((r, i) => i === 0 || Number(r.epsilon) > Number(result.rounds[i - 1]!.epsilon)));
  assert.ok(result.rounds.every((r) => Number.isFinite(r.testAccuracy)));
});

test('a run stops before the round that would pass privacy.targetEpsilon; unnoised statistics make epsilon unbounded', async () => {
  const full = buildResult(await runSimulation(config(['method.name=fedavg', 'privacy.dpFedAvg.clipNorm=1', 'privacy.dpFedAvg.noiseMultiplier=2'])));
  const target = (Number(full.rounds[1]!.epsilon) + Number(full.rounds[2]!.epsilon)) / 2;
  const stopped = buildResult(
    await runSimulation(config(['method.name=fedavg', 'privacy.dpFedAvg.clipNorm=1', 'privacy.dpFedAvg.noiseMultiplier=2', `privacy.targetEpsilon=${target}`])),
  );
  assert.equal(stopped.rounds.length, 2);
  assert.ok(Number(stopped.final.epsilon) <= target);
  assert.deepEqual(stopped.rounds.map((r) => r.testAccuracy), full.rounds.slice(0, 2).map((r) => r.testAccuracy), 'same seed, same noise');

  const leaky = buildResult(await runSimulation(config(['method.name=geofed', 'rounds=1', 'privacy.clipNorm=5', 'privacy.dpFedAvg.clipNorm=1', 'privacy.dpFedAvg.noiseMultiplier=2'])));
  assert.equal(leaky.rounds[0]!.epsilon, Infinity);
  assert.equal(JSON.parse(JSON.stringify(leaky)).final.epsilon, null);
});

test('privacy settings that cannot work are refused before the run', async () => {
  assert.throws(() => config(['privacy.noiseMultiplier=1']), /noiseMultiplier: needs privacy.clipNorm/);
  await assert.rejects(runSimulation(config(['strategy.name=krum', 'privacy.dpFedAvg.clipNorm=1', 'privacy.dpFedAvg.noiseMultiplier=1'])), /strategy krum needs every client's individual update, which DP-FedAvg hides/);
});

test('distributed DP: clients add noise shares under secure aggregation, the coordinator adds none, epsilon as in central mode', async () => {
  const secure = ['method.name=geofed', 'rounds=2', 'secureAggregation.enabled=true', 'secureAggregation.threshold=3'];
  const exact = await runSimulation(config([...secure, 'privacy.clipNorm=5']));
  const distributed = buildResult(await runSimulation(config([...secure, ...DP, 'privacy.mode=distributed'])));
  const central = buildResult(await runSimulation(config(['method.name=geofed', 'rounds=2', ...DP])));
  assert.deepEqual(distributed.rounds.map((r) => r.epsilon), central.rounds.map((r) => r.epsilon));
  const run = await runSimulation(config([...secure, ...DP, 'privacy.mode=distributed']));
  assert.equal(run.geometry?.noise, null, 'the coordinator added no noise of its own');
  const moved = run.geometry!.classes.some((c, k) => c.prototype.some((v, i) => Math.abs(v - exact.geometry!.classes[k]!.prototype[i]!) > 1e-3));
  assert.ok(moved, 'the pooled statistics carry the clients\' noise');
  assert.deepEqual(distributed.rounds.map((r) => r.testAccuracy), buildResult(run).rounds.map((r) => r.testAccuracy), 'noise shares are seeded');
  await assert.rejects(runSimulation(config(['method.name=fedavg', ...DP, 'privacy.mode=distributed'])), /privacy.mode=distributed .* only secure aggregation keeps hidden/);
});
