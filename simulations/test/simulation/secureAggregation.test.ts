import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSimulationConfig } from '@geofed/simulations/config/simulationConfig';
import { runSimulation } from '@geofed/simulations/runner/simulation';

const TEST_SIZE = 400;

const config = (overrides: string[]) =>
  parseSimulationConfig(
    {
      dataset: { name: 'synthetic', numClasses: 4, dim: 10, trainSize: 800, testSize: TEST_SIZE, seed: 2 },
      model: { type: 'mlp', hidden: [24, 12] },
      clients: 5,
      partition: { scheme: 'dirichlet', alpha: 0.5 },
      rounds: 3,
      local: { epochs: 1, batchSize: 16, lr: 0.1 },
      classifier: { dim: 8 },
      evaluation: { personalization: { epochs: 0 } },
      backend: 'cpu',
      seed: 5,
    },
    process.cwd(),
    overrides,
  );

test('fedavg under secure aggregation gives the plain run per-round accuracies (fixed-point rounding only)', async () => {
  const plain = await runSimulation(config(['method.name=fedavg']));
  const secure = await runSimulation(config(['method.name=fedavg', 'secureAggregation.enabled=true']));
  plain.rounds.forEach((p, i) => {
    const s = secure.rounds[i]!;
    assert.ok(Math.abs(p.testAccuracy - s.testAccuracy) <= 1 / TEST_SIZE, `round ${i + 1}: ${p.testAccuracy} vs ${s.testAccuracy}`);
    assert.ok(Math.abs(p.testLoss - s.testLoss) < 1e-4, `round ${i + 1} loss: ${p.testLoss} vs ${s.testLoss}`);
    assert.equal(s.failed.length, 0);
  });
});

test('geofed under secure aggregation pools the same class geometry as without it', async () => {
  const common = ['method.name=geofed', 'privacy.clipNorm=20'];
  const plain = await runSimulation(config(common));
  const secure = await runSimulation(config([...common, 'secureAggregation.enabled=true', 'secureAggregation.threshold=3']));
  assert.ok(plain.geometry && secure.geometry);
  assert.deepEqual(
    secure.geometry.classes.map((c) => [c.label, c.count]),
    plain.geometry.classes.map((c) => [c.label, c.count]),
  );
  secure.geometry.classes.forEach((c, k) => {
    const p = plain.geometry!.classes[k]!;
    c.prototype.forEach((v, i) => assert.ok(Math.abs(v - p.prototype[i]!) < 1e-3, `class ${c.label} prototype[${i}]: ${v} vs ${p.prototype[i]}`));
    assert.ok(Math.abs(c.eigenvalues[0]! - p.eigenvalues[0]!) < 1e-3 * p.eigenvalues[0]!, `class ${c.label} top eigenvalue`);
  });
  plain.rounds.forEach((p, i) => assert.ok(Math.abs(p.testAccuracy - secure.rounds[i]!.testAccuracy) <= 2 / TEST_SIZE, `round ${i + 1}`));
});

test('secure aggregation refuses strategies that need individual updates, and statistics without a norm bound', async () => {
  await assert.rejects(
    runSimulation(config(['strategy.name=fedmedian', 'secureAggregation.enabled=true'])),
    /strategy fedmedian needs every client's individual update, which secure aggregation hides/,
  );
  await assert.rejects(
    runSimulation(config(['method.name=geofed', 'secureAggregation.enabled=true'])),
    (e: Error & { remedy?: string }) => /needs an embedding norm bound/.test(e.message) && /set privacy\.clipNorm/.test(e.remedy ?? ''),
  );
});
