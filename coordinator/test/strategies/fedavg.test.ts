import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStrategy } from '../../src/strategies/index.ts';
import { assertClose, runRound, update, weights } from './helpers.ts';

test('fedavg weights each client by its number of samples', () => {
  const strategy = createStrategy({ name: 'fedavg' });
  // (1 * [1, 2] + 3 * [5, 6]) / 4 = [4, 5];  (1 * 10 + 3 * 2) / 4 = 4
  const result = runRound(strategy, 1, weights([0, 0], [0]), [update('a', 1, [1, 2], [10]), update('b', 3, [5, 6], [2])]);
  assertClose(result, [[4, 5], [4]], 0);
});

test('fedavg ignores the previous global weights', () => {
  const strategy = createStrategy({ name: 'fedavg' });
  const result = runRound(strategy, 1, weights([100, -100]), [update('a', 2, [1, 3])]);
  assertClose(result, [[1, 3]], 0);
});

test('fedavg carries proximalMu to clients so it can serve FedProx', () => {
  const strategy = createStrategy({ name: 'fedavg', proximalMu: 0.01 });
  assert.deepEqual(strategy.configureRound(3), { round: 3, proximalMu: 0.01 });
});

test('a strategy without proximalMu sends no proximal term', () => {
  assert.deepEqual(createStrategy({ name: 'fedavg' }).configureRound(3), { round: 3 });
});

test('fedavg streams: it does not need all updates at once', () => {
  assert.equal(createStrategy({ name: 'fedavg' }).needsAllUpdates, false);
});
