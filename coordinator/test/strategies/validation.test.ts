import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isGeoFedError } from '@geofed/shared/errors';
import { createStrategy, type ClientUpdate, type StrategySpec } from '../../src/strategies/index.ts';
import { plain, update, weights } from './helpers.ts';

const global = weights([0, 0], [0]);
const good = [update('a', 1, [1, 2], [3]), update('b', 3, [5, 6], [7])];

/** Aggregates good[0], then `bad` (expected to throw `message`), then good[1]; returns the result. */
function aggregateAround(spec: StrategySpec, bad: ClientUpdate, message: RegExp): number[][] {
  const aggregator = createStrategy(spec).startRound(1, global);
  aggregator.add(good[0]!);
  assert.throws(() => aggregator.add(bad), (e: unknown) => isGeoFedError(e) && e.code === 'UPDATE_REJECTED' && message.test(e.message));
  aggregator.add(good[1]!);
  assert.equal(aggregator.count, 2);
  return plain(aggregator.finish());
}

function cleanResult(spec: StrategySpec): number[][] {
  const aggregator = createStrategy(spec).startRound(1, global);
  for (const u of good) aggregator.add(u);
  return plain(aggregator.finish());
}

test('an update holding NaN is rejected, naming client and tensor, and leaves the sums unchanged', () => {
  const bad = update('bad', 2, [1, 1], [Number.NaN]);
  assert.deepEqual(aggregateAround({ name: 'fedavg' }, bad, /client "bad" rejected: tensor 1 holds NaN at index 0/), cleanResult({ name: 'fedavg' }));
});

test('an update holding Infinity is rejected and leaves the sums unchanged', () => {
  const bad = update('bad', 2, [1, Number.POSITIVE_INFINITY], [1]);
  assert.deepEqual(aggregateAround({ name: 'fedadam' }, bad, /client "bad" rejected: tensor 0 holds Infinity at index 1/), cleanResult({ name: 'fedadam' }));
});

test('an update with a wrongly sized tensor is rejected and leaves the sums unchanged', () => {
  const bad = update('bad', 2, [1, 1], [1, 1]);
  assert.deepEqual(
    aggregateAround({ name: 'fedavg' }, bad, /client "bad" rejected: weights tensor 1 has 2 values, the global model's has 1/),
    cleanResult({ name: 'fedavg' }),
  );
});

test('an update with the wrong number of tensors is rejected and leaves the sums unchanged', () => {
  const bad = update('bad', 2, [1, 1]);
  assert.deepEqual(
    aggregateAround({ name: 'fedavg' }, bad, /client "bad" rejected: weights has 1 tensors, the global model has 2/),
    cleanResult({ name: 'fedavg' }),
  );
});

test('an update claiming 0 samples is rejected and leaves the sums unchanged', () => {
  const bad = update('bad', 0, [1, 1], [1]);
  assert.deepEqual(aggregateAround({ name: 'fedavg' }, bad, /client "bad" rejected: numSamples must be a positive finite number, got 0/), cleanResult({ name: 'fedavg' }));
});

test('an update claiming infinitely many samples is rejected', () => {
  const bad = update('bad', Number.POSITIVE_INFINITY, [1, 1], [1]);
  assert.deepEqual(aggregateAround({ name: 'fedavg' }, bad, /numSamples must be a positive finite number, got Infinity/), cleanResult({ name: 'fedavg' }));
});

test('a rejected update is not buffered by a robust strategy', () => {
  // Had the NaN update been kept, the median of three would differ from the mean of the two good ones.
  const bad = update('bad', 1, [100, 100], [Number.NaN]);
  assert.deepEqual(aggregateAround({ name: 'fedmedian' }, bad, /tensor 1 holds NaN/), [[3, 4], [5]]);
});

test('a second update from the same client in a round is rejected', () => {
  const again = update('a', 5, [9, 9], [9]);
  assert.deepEqual(aggregateAround({ name: 'fedavg' }, again, /client "a" rejected: it already reported in round 1/), cleanResult({ name: 'fedavg' }));
});
