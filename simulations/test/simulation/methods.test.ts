import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSimulationConfig } from '@geofed/simulations/config/simulationConfig';
import { runSimulation } from '@geofed/simulations/runner/simulation';
import { buildResult } from '@geofed/simulations/report/result';
import { verifyClassifier, buildFixedClassifier } from '@geofed/shared/math/classifiers/index';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeGeometryPlot } from '@geofed/simulations/report/geometryPlot';
import { personalizedAccuracy } from '@geofed/simulations/runner/personalization';

const skewed = (overrides: string[]) =>
  parseSimulationConfig(
    {
      dataset: { name: 'synthetic', numClasses: 4, dim: 10, trainSize: 800, testSize: 400, seed: 2 },
      model: { type: 'mlp', hidden: [24, 12] },
      clients: 4,
      partition: { scheme: 'shards', classesPerClient: 2 },
      rounds: 3,
      local: { epochs: 1, batchSize: 16, lr: 0.1 },
      classifier: { dim: 8 },
      backend: 'cpu',
      seed: 5,
    },
    process.cwd(),
    overrides,
  );

test('geofed pools client statistics into a geometry snapshot and ships it with the next tasks', async () => {
  const run = await runSimulation(skewed(['method.name=geofed']));
  assert.ok(run.geometry, 'a snapshot exists after the rounds');
  assert.equal(run.geometry.dim, 12, 'geometry lives in the embedding space z');
  assert.deepEqual(run.geometry.classes.map((c) => c.label), [0, 1, 2, 3]);
  for (const c of run.geometry.classes) {
    assert.ok(c.eigenvalues.length >= 1 && c.eigenvalues.length <= 12);
    for (let m = 1; m < c.eigenvalues.length; m++) assert.ok(c.eigenvalues[m - 1]! >= c.eigenvalues[m]!);
  }
  const fedavg = await runSimulation(skewed(['method.name=fedavg']));
  const [g1, g2] = run.rounds;
  assert.ok(g2!.bytesDown > g1!.bytesDown, 'round 2 carries the geometry snapshot (round 1 only the classifier)');
  assert.ok(g1!.bytesUp > fedavg.rounds[0]!.bytesUp, 'clients send class statistics up');

  const picture = join(mkdtempSync(join(tmpdir(), 'geofed-geometry-')), 'geometry.png');
  await writeGeometryPlot(picture, run.geometry, run.dataset.classNames, 'test');
  const png = readFileSync(picture);
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  assert.ok(png.length > 10_000, 'a picture with content');
});

test('fedetf trains against the fixed simplex ETF that the run records by checksum', async () => {
  const run = await runSimulation(skewed(['method.name=fedetf']));
  assert.equal(run.classifier?.type, 'etf');
  const rebuilt = buildFixedClassifier({ type: 'etf', numClasses: 4, dim: 8, seed: 0 });
  assert.ok(verifyClassifier(rebuilt));
  assert.equal(run.classifier?.checksum, rebuilt.checksum);
  assert.ok(run.rounds.at(-1)!.testAccuracy > 0.4, `accuracy ${run.rounds.at(-1)!.testAccuracy}`);
});

test('ablation switches override the method defaults and are recorded in result.json', async () => {
  const run = await runSimulation(skewed(['method.name=geofed', 'method.synthesis=false', 'method.prototypes=false', 'rounds=1']));
  const result = buildResult(run);
  assert.equal(result.method.fixedClassifier, true);
  assert.equal(result.method.synthesis, false);
  assert.equal(result.method.prototypes, false);
  assert.equal(result.method.collectStatistics, false);
});

test('personalised accuracy is reported per round and in final', async () => {
  const result = buildResult(await runSimulation(skewed(['method.name=fedavg', 'rounds=2'])));
  for (const r of result.rounds) {
    const p = r.personalizedAccuracy as number;
    assert.ok(p >= 0 && p <= 1);
  }
  assert.equal(result.final.personalizedAccuracy, result.rounds.at(-1)!.personalizedAccuracy);
});

test('fedproto keeps a learned head and pools prototypes', async () => {
  const run = await runSimulation(skewed(['method.name=fedproto', 'rounds=2']));
  assert.equal(run.method.fixedClassifier, false);
  assert.equal(run.method.prototypes, true);
  assert.ok(run.geometry, 'fedproto pools prototypes too');
});

test('personalizedAccuracy weights per-class accuracy by each client label share, then averages clients', () => {
  const perClass: Array<[number, number]> = [
    [9, 10],
    [5, 10],
    [0, 10],
  ];
  // Client A: classes 0 and 1 equally -> 0.7; client B: only class 2 -> 0; an empty client is left out.
  assert.equal(personalizedAccuracy(perClass, [[5, 5, 0], [0, 0, 3], [0, 0, 0]]), 0.35);
});

test('fine-tuning the head on local data raises accuracy under each client own label distribution', async () => {
  const run = await runSimulation(skewed([]));
  const result = buildResult(run);
  assert.ok(run.personalization, 'personalisation runs by default');
  assert.equal(run.personalization.clients, 4);
  const global = result.final.personalizedAccuracy!;
  const tuned = result.final.fineTunedPersonalizedAccuracy!;
  assert.ok(tuned > global, `fine-tuned ${tuned} should beat the global model's ${global}`);
  assert.ok(tuned <= 1);
});

test('personalisation samples at most maxClients clients and can be turned off', async () => {
  const sampled = await runSimulation(skewed(['evaluation.personalization.maxClients=2']));
  assert.equal(sampled.personalization?.clients, 2);
  const off = await runSimulation(skewed(['evaluation.personalization.epochs=0']));
  assert.equal(off.personalization, undefined);
  assert.equal('fineTunedPersonalizedAccuracy' in buildResult(off).final, false);
});
