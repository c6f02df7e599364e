import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStrategy } from '../../src/strategies/index.ts';
import { assertClose, runRound, update, weights } from './helpers.ts';

const global = weights([0, 0]);

test('fedmedian takes the middle value of an odd count per coordinate', () => {
  // coordinate 0: 1, 3, 5 -> 3;  coordinate 1: -2, 0, 7 -> 0
  const result = runRound(createStrategy({ name: 'fedmedian' }), 1, global, [
    update('a', 1, [1, -2]),
    update('b', 1, [5, 0]),
    update('c', 1, [3, 7]),
  ]);
  assertClose(result, [[3, 0]], 0);
});

test('fedmedian averages the two middle values of an even count', () => {
  // coordinate 0: 1, 3, 5, 10 -> (3 + 5) / 2 = 4;  coordinate 1: -2, -1, 0, 7 -> -0.5
  const result = runRound(createStrategy({ name: 'fedmedian' }), 1, global, [
    update('a', 1, [1, -2]),
    update('b', 1, [5, 0]),
    update('c', 1, [3, 7]),
    update('d', 1, [10, -1]),
  ]);
  assertClose(result, [[4, -0.5]], 0);
});

test('fedmedian ignores numSamples: a client cannot buy weight', () => {
  const result = runRound(createStrategy({ name: 'fedmedian' }), 1, global, [
    update('a', 1, [1, 1]),
    update('b', 1, [2, 2]),
    update('liar', 1e9, [100, 100]),
  ]);
  assertClose(result, [[2, 2]], 0);
});

test('fedmedian needs all updates at once', () => {
  assert.equal(createStrategy({ name: 'fedmedian' }).needsAllUpdates, true);
});

const fiveUpdates = [
  // coordinate 0: 1, 2, 3, 4, 100 -> drop 1 and 100 -> (2 + 3 + 4) / 3 = 3
  // coordinate 1: -50, 0, 1, 2, 3 -> drop -50 and 3 -> (0 + 1 + 2) / 3 = 1
  update('a', 1, [1, 0]),
  update('b', 1, [2, 1]),
  update('c', 1, [3, -50]),
  update('d', 1, [4, 2]),
  update('e', 1, [100, 3]),
];

test('fedtrimmedavg with b = 1 drops the largest and smallest value per coordinate', () => {
  const result = runRound(createStrategy({ name: 'fedtrimmedavg', b: 1 }), 1, global, fiveUpdates);
  assertClose(result, [[3, 1]], 1e-7);
});

test('fedtrimmedavg with trimFraction 0.2 of 5 updates trims one value per side', () => {
  const result = runRound(createStrategy({ name: 'fedtrimmedavg', trimFraction: 0.2 }), 1, global, fiveUpdates);
  assertClose(result, [[3, 1]], 1e-7);
});

test('fedtrimmedavg refuses a trim that leaves no value, and the round stays open', () => {
  const aggregator = createStrategy({ name: 'fedtrimmedavg', b: 2 }).startRound(1, global);
  for (const u of fiveUpdates.slice(0, 4)) aggregator.add(u);
  assert.throws(() => aggregator.finish(), /b = 2 per side leaves nothing of 4 updates/);
  aggregator.add(fiveUpdates[4]!);
  // coordinate 0 keeps 3 alone; coordinate 1 keeps 1 alone
  assertClose(aggregator.finish(), [[3, 1]], 0);
});

test('fedtrimmedavg rejects a spec giving both trimFraction and b', () => {
  assert.throws(() => createStrategy({ name: 'fedtrimmedavg', b: 1, trimFraction: 0.1 }), /either trimFraction or b/);
});

test('a buffering strategy rejects updates beyond maxBufferedUpdates', () => {
  const aggregator = createStrategy({ name: 'fedmedian', maxBufferedUpdates: 2 }).startRound(1, global);
  aggregator.add(update('a', 1, [1, 1]));
  aggregator.add(update('b', 1, [3, 3]));
  assert.throws(() => aggregator.add(update('c', 1, [5, 5])), /client "c" rejected: .*maxBufferedUpdates = 2/);
  assert.equal(aggregator.count, 2);
  assertClose(aggregator.finish(), [[2, 2]], 0);
});

test('a buffering strategy keeps a copy, so the caller may reuse its arrays', () => {
  const aggregator = createStrategy({ name: 'fedmedian' }).startRound(1, global);
  const reused = update('a', 1, [1, 1]);
  aggregator.add(reused);
  reused.weights[0]!.fill(99);
  assertClose(aggregator.finish(), [[1, 1]], 0);
});
