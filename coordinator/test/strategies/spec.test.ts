import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isGeoFedError } from '@geofed/shared/errors';
import { createStrategy, strategyNames, strategySpecSchema } from '../../src/strategies/index.ts';

test('every strategy name builds a strategy of that name', () => {
  for (const name of strategyNames) assert.equal(createStrategy({ name }).name, name);
});

test('fedavgm defaults to serverLr 1 and beta 0.9', () => {
  assert.deepEqual(strategySpecSchema.parse({ name: 'fedavgm' }), { name: 'fedavgm', normBound: { maxRelative: 5, warmup: 3 }, serverLr: 1, beta: 0.9 });
});

test('fedadam defaults to serverLr 0.01, beta1 0.9, beta2 0.99, tau 1e-3', () => {
  assert.deepEqual(strategySpecSchema.parse({ name: 'fedadam' }), {
    name: 'fedadam',
    normBound: { maxRelative: 5, warmup: 3 },
    serverLr: 0.01,
    beta1: 0.9,
    beta2: 0.99,
    tau: 1e-3,
  });
});

test('krum defaults to f 1, plain Krum, 256 buffered updates', () => {
  assert.deepEqual(strategySpecSchema.parse({ name: 'krum' }), { name: 'krum', f: 1, multi: 1, maxBufferedUpdates: 256 });
});

test('an unknown strategy name is a GeoFedError listing the known names', () => {
  assert.throws(
    () => createStrategy({ name: 'fedprox' } as never),
    (e: unknown) => isGeoFedError(e) && /^invalid strategy spec: name: /.test(e.message) && /fedavg, fedavgm, fedadam/.test(e.describe()),
  );
});

test('an option the strategy does not have is refused rather than ignored', () => {
  assert.throws(() => createStrategy({ name: 'fedadagrad', beta2: 0.99 } as never), /unknown key "beta2"/);
});

test('an out-of-range option names the field', () => {
  assert.throws(() => createStrategy({ name: 'fedavgm', beta: 1 }), /invalid strategy spec: beta: /);
});
