import { test } from 'node:test';
import { createStrategy } from '../../src/strategies/index.ts';
import { assertClose, runRound, update, weights } from './helpers.ts';

test('fedavgm accumulates server momentum over two rounds', () => {
  const strategy = createStrategy({ name: 'fedavgm', serverLr: 0.5, beta: 0.9 });
  // Round 1: w0 = [1, -1]; mean of [2, -1] and [4, 1] (equal samples) = [3, 0]; Delta = [2, 1]
  //   m1 = 0.9 * 0 + Delta = [2, 1];  w1 = w0 + 0.5 * m1 = [2, -0.5]
  const w1 = runRound(strategy, 1, weights([1, -1]), [update('a', 5, [2, -1]), update('b', 5, [4, 1])]);
  assertClose(w1, [[2, -0.5]]);
  // Round 2: one client at [3, -0.5]; Delta = [1, 0]
  //   m2 = 0.9 * [2, 1] + [1, 0] = [2.8, 0.9];  w2 = [2, -0.5] + 0.5 * m2 = [3.4, -0.05]
  const w2 = runRound(strategy, 2, w1, [update('a', 2, [3, -0.5])]);
  assertClose(w2, [[3.4, -0.05]]);
});

test('fedavgm with beta 0 and serverLr 1 equals fedavg', () => {
  const strategy = createStrategy({ name: 'fedavgm', serverLr: 1, beta: 0 });
  runRound(strategy, 1, weights([0, 0]), [update('a', 1, [1, 1])]);
  // Momentum from round 1 is multiplied by 0: round 2 is plain FedAvg: (1 * [2, 0] + 3 * [6, 4]) / 4 = [5, 3]
  const w2 = runRound(strategy, 2, weights([1, 1]), [update('a', 1, [2, 0]), update('b', 3, [6, 4])]);
  assertClose(w2, [[5, 3]]);
});
