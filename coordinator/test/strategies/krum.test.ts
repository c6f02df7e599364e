import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStrategy } from '../../src/strategies/index.ts';
import { assertClose, plain, runRound, update, weights } from './helpers.ts';

const global = weights([0, 0]);
// Four honest clients near [1, 1] and one attacker. With C = 5 and f = 1 each score sums the squared
// distances to the C - f - 2 = 2 nearest others:
//   d2(A,B) = 0.02, d2(A,C) = 0.0125, d2(A,D) = 0.0016, d2(B,C) = 0.0625, d2(B,D) = 0.0136, d2(C,D) = 0.0221
//   A: 0.0016 + 0.0125 = 0.0141   D: 0.0016 + 0.0136 = 0.0152   B: 0.0136 + 0.02 = 0.0336   C: 0.0125 + 0.0221 = 0.0346
//   E: two distances of ~2e4 each
const honestAndAttacker = [
  update('A', 10, [1, 1]),
  update('B', 10, [1.1, 0.9]),
  update('C', 10, [0.9, 1.05]),
  update('D', 10, [1.04, 1]),
  update('E', 10, [100, -100]),
];

test('krum picks the honest client with the lowest score when one client is an outlier', () => {
  const result = runRound(createStrategy({ name: 'krum', f: 1 }), 1, global, honestAndAttacker);
  assertClose(result, [[1, 1]], 0);
});

test('multi-krum averages the m best-scored updates', () => {
  // The best three are A, D, B: ([1, 1] + [1.04, 1] + [1.1, 0.9]) / 3 = [1.0466667, 0.9666667]
  const result = runRound(createStrategy({ name: 'krum', f: 1, multi: 3 }), 1, global, honestAndAttacker);
  assertClose(result, [[1.0466667, 0.9666667]]);
});

test('multi-krum averages plainly, whatever numSamples the clients claim', () => {
  const claims = honestAndAttacker.map((u, i) => ({ ...u, numSamples: i === 1 ? 1e6 : 1 }));
  const result = runRound(createStrategy({ name: 'krum', f: 1, multi: 3 }), 1, global, claims);
  assertClose(result, [[1.0466667, 0.9666667]]);
});

test('multi-krum never averages more than C - f updates', () => {
  // multi = 10 is capped at 5 - 1 = 4: the attacker (worst score) stays out -> mean of A, B, C, D
  const result = runRound(createStrategy({ name: 'krum', f: 1, multi: 10 }), 1, global, honestAndAttacker);
  assertClose(result, [[(1 + 1.1 + 0.9 + 1.04) / 4, (1 + 0.9 + 1.05 + 1) / 4]]);
});

test('krum gives the same result whatever the arrival order', () => {
  const forward = runRound(createStrategy({ name: 'krum', f: 1, multi: 3 }), 1, global, honestAndAttacker);
  const backward = runRound(createStrategy({ name: 'krum', f: 1, multi: 3 }), 1, global, [...honestAndAttacker].reverse());
  assert.deepEqual(plain(backward), plain(forward));
});

test('krum refuses to aggregate fewer than f + 3 updates', () => {
  const aggregator = createStrategy({ name: 'krum', f: 2 }).startRound(1, global);
  for (const u of honestAndAttacker.slice(0, 4)) aggregator.add(u);
  assert.throws(() => aggregator.finish(), /krum with f = 2 needs at least 5 updates, got 4/);
});
