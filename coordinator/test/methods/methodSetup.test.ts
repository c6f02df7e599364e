import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localTrainSchema } from '@geofed/shared/config/localTrain';
import { classifierSchema, methodSchema } from '@geofed/shared/config/method';
import { accumulateStats, createStats } from '@geofed/shared/geometry/stats';
import { Rng } from '@geofed/shared/math/rng';
import { updateFromWire, updateToWire } from '@geofed/shared/wire/federation';
import { setupMethod } from '../../src/methods/methodSetup.ts';

const K = 3;
const D = 4;

function setup(method: object, classifier: object = {}) {
  return setupMethod({ method: methodSchema.parse(method), classifier: classifierSchema.parse(classifier), numClasses: K, seed: 0 });
}

test('geofed gets a fixed ETF head and a server side that collects statistics; fedavg a learned head', () => {
  const geofed = setup({ name: 'geofed' }, { dim: 8, temperature: 5 });
  assert.equal(geofed.classifier?.type, 'etf');
  assert.deepEqual(geofed.head, { kind: 'fixed', classifier: geofed.classifier!.weights, dim: 8, initialTemperature: 5 });
  assert.equal(geofed.plan.collectStatistics, true);
  const fedavg = setup({ name: 'fedavg' });
  assert.equal(fedavg.classifier, undefined);
  assert.deepEqual(fedavg.head, { kind: 'learned' });
});

test('fedprox gets its default proximal weight only when none is set', () => {
  const local = localTrainSchema.parse({});
  assert.equal(setup({ name: 'fedprox' }).train(local).proximalMu, 0.01);
  assert.equal(setup({ name: 'fedprox' }).train({ ...local, proximalMu: 0.5 }).proximalMu, 0.5);
  assert.equal(setup({ name: 'geofed' }).train(local), local);
});

test('statistics refused on the wire leave the pooled geometry exactly as without them', () => {
  const specs = [{ name: 'w', shape: [2] }];
  const weights = [Float32Array.of(1, 2)];
  const rng = new Rng(7);
  const statsFor = () => accumulateStats(createStats(K, D), Float32Array.from({ length: 40 * D }, () => rng.normal()), Array.from({ length: 40 }, (_, i) => i % K));
  const wireUpdate = (clientId: string) =>
    updateToWire({ clientId, numSamples: 40, weights, payload: { stats: statsFor() } }, { round: 1, modelVersion: 0, weightSpecs: specs, encoding: 'f32', reference: weights });

  const good = wireUpdate('good');
  const bad = wireUpdate('bad');
  bad.statistics!.classes[1]!.sumOuter[0] = -1;
  const shape = { numClasses: K, dim: D };
  const snapshotAfter = (messages: typeof good[]) => {
    const method = setup({ name: 'geofed', geometry: { minCount: 5 } }).serverMethod(D);
    for (const m of messages) {
      if (m === bad) assert.throws(() => updateFromWire(m, specs, weights, shape), /update from bad: statistics: class 1: outer\[0, 0\] = -1 is negative/);
      else method.absorb(updateFromWire(m, specs, weights, shape));
    }
    method.endRound(1);
    return method.latestSnapshot;
  };
  assert.deepEqual(snapshotAfter([good, bad]), snapshotAfter([good]));
});
