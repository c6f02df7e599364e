import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStrategy } from '../../src/strategies/index.ts';
import { assertClose, update, weights } from './helpers.ts';

test('finish without any update throws a clear error', () => {
  const aggregator = createStrategy({ name: 'fedavg' }).startRound(4, weights([0]));
  assert.throws(() => aggregator.finish(), /round 4: no client update to aggregate/);
});

test('an aggregator finishes only once', () => {
  const aggregator = createStrategy({ name: 'fedavg' }).startRound(1, weights([0]));
  aggregator.add(update('a', 1, [1]));
  aggregator.finish();
  assert.throws(() => aggregator.finish(), /round 1 is already finished/);
});

test('a round opened before another round committed cannot commit', () => {
  const strategy = createStrategy({ name: 'fedavgm' });
  const stale = strategy.startRound(1, weights([0]));
  const current = strategy.startRound(1, weights([0]));
  current.add(update('a', 1, [1]));
  current.finish();
  stale.add(update('a', 1, [1]));
  assert.throws(() => stale.finish(), /another round was aggregated/);
});

test('the aggregator works on its own copy of the global weights', () => {
  const global = weights([1, 1]);
  const aggregator = createStrategy({ name: 'fedavgm', serverLr: 1, beta: 0 }).startRound(1, global);
  global[0]!.fill(50);
  aggregator.add(update('a', 1, [3, 3]));
  // Delta = [3, 3] - [1, 1]; w = [1, 1] + Delta
  assertClose(aggregator.finish(), [[3, 3]], 0);
});
