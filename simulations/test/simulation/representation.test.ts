import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSimulationConfig } from '@geofed/simulations/config/simulationConfig';
import { runSimulation } from '@geofed/simulations/runner/simulation';
import { buildResult } from '@geofed/simulations/report/result';

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

const SCORES = ['linearProbeAccuracy', 'knnAccuracy', 'nc1', 'nc2'] as const;

test('representation scores land in the scored rounds and in final, and leave the training unchanged', async () => {
  const plain = await runSimulation(small());
  const scored = await runSimulation(
    small(['evaluation.representation.enabled=true', 'evaluation.representation.every=2', 'evaluation.representation.trainRows=400', 'threads=2']),
  );
  assert.deepEqual(scored.rounds.map((r) => r.testAccuracy), plain.rounds.map((r) => r.testAccuracy));
  assert.deepEqual(scored.rounds.map((r) => 'nc1' in r), [false, true, true]);

  const result = buildResult(scored);
  for (const key of SCORES) assert.equal(result.final[key], result.rounds[2]![key]);
  assert.ok(result.final.linearProbeAccuracy! > 0.2 && result.final.knnAccuracy! > 0.2, 'five classes: chance is 0.2');
  // The federation trains the backbone: the classes gather (NC1 falls) between rounds 2 and 3.
  assert.ok(Number(result.rounds[2]!.nc1) < Number(result.rounds[1]!.nc1), `NC1 ${result.rounds[1]!.nc1} -> ${result.rounds[2]!.nc1}`);

  const off = buildResult(plain);
  for (const key of SCORES) assert.equal(key in off.final, false);
});

test('a misspelt representation setting is named', () => {
  assert.throws(() => small(['evaluation.representation.neighbors=5']), /neighbors/);
});
