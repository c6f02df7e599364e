import { test } from 'node:test';
import { createStrategy } from '../../src/strategies/index.ts';
import { assertClose, runRound, update, weights } from './helpers.ts';

// Hyper-parameters chosen so that the hand arithmetic stays readable: eta = 0.5, beta1 = 0.5, beta2 = 0.5,
// tau = 1, so v starts at tau^2 = 1 and m at 0. Step: w <- w + eta m / (sqrt(v) + tau).
const knobs = { serverLr: 0.5, beta1: 0.5, tau: 1 };

test('fedadam first step uses the sample-weighted pseudo-gradient', () => {
  const strategy = createStrategy({ name: 'fedadam', ...knobs, beta2: 0.5 });
  // Mean of [4, -1] (n=1) and [0, -1] (n=3) = [1, -1]; Delta = [1, -1] from w0 = [0, 0]
  // m1 = 0.5 * Delta = [0.5, -0.5];  v1 = 0.5 * 1 + 0.5 * Delta^2 = [1, 1]
  // w1 = 0.5 * [0.5, -0.5] / (1 + 1) = [0.125, -0.125]
  const w1 = runRound(strategy, 1, weights([0, 0]), [update('a', 1, [4, -1]), update('b', 3, [0, -1])]);
  assertClose(w1, [[0.125, -0.125]]);
});

test('fedadam second step carries both moments', () => {
  const strategy = createStrategy({ name: 'fedadam', ...knobs, beta2: 0.5 });
  const w1 = runRound(strategy, 1, weights([0, 0]), [update('a', 1, [4, -1]), update('b', 3, [0, -1])]);
  // Delta2 = [1, 3];  m2 = 0.5 * [0.5, -0.5] + 0.5 * [1, 3] = [0.75, 1.25];  v2 = 0.5 * [1, 1] + 0.5 * [1, 9] = [1, 5]
  // step = 0.5 * [0.75 / 2, 1.25 / (sqrt(5) + 1)] = [0.1875, 0.1931356]
  // w2 = [0.125 + 0.1875, -0.125 + 0.1931356] = [0.3125, 0.0681356]
  const w2 = runRound(strategy, 2, w1, [update('a', 7, [1.125, 2.875])]);
  assertClose(w2, [[0.3125, 0.0681356]]);
});

test('fedyogi first step moves v additively by the sign of v - Delta^2', () => {
  const strategy = createStrategy({ name: 'fedyogi', ...knobs, beta2: 0.5 });
  // Delta1 = [2, 0.5];  m1 = [1, 0.25]
  // v1 = 1 - 0.5 * 4 * sign(1 - 4) = 3;  1 - 0.5 * 0.25 * sign(1 - 0.25) = 0.875   (Adam would give 2.5, 0.625)
  // w1 = 0.5 * [1 / (sqrt(3) + 1), 0.25 / (sqrt(0.875) + 1)] = [0.1830127, 0.0645857]
  const w1 = runRound(strategy, 1, weights([0, 0]), [update('a', 1, [2, 0.5])]);
  assertClose(w1, [[0.1830127, 0.0645857]]);
});

test('fedyogi second step', () => {
  const strategy = createStrategy({ name: 'fedyogi', ...knobs, beta2: 0.5 });
  const w1 = runRound(strategy, 1, weights([0, 0]), [update('a', 1, [2, 0.5])]);
  // Delta2 = [0, 1];  m2 = 0.5 * [1, 0.25] + 0.5 * [0, 1] = [0.5, 0.625]
  // v2 = [3 - 0, 0.875 - 0.5 * 1 * sign(0.875 - 1)] = [3, 1.375]
  // step = 0.5 * [0.5 / (sqrt(3) + 1), 0.625 / (sqrt(1.375) + 1)] = [0.0915064, 0.1438366]
  // w2 = [0.1830127 + 0.0915064, 0.0645857 + 0.1438366] = [0.2745191, 0.2084223]
  const w2 = runRound(strategy, 2, w1, [update('a', 1, [w1[0]![0]!, w1[0]![1]! + 1])]);
  assertClose(w2, [[0.2745191, 0.2084223]]);
});

test('fedadagrad first step adds Delta^2 to v', () => {
  const strategy = createStrategy({ name: 'fedadagrad', ...knobs });
  // Delta1 = [1, -2];  m1 = [0.5, -1];  v1 = 1 + [1, 4] = [2, 5]
  // w1 = 0.5 * [0.5 / (sqrt(2) + 1), -1 / (sqrt(5) + 1)] = [0.1035534, -0.1545085]
  const w1 = runRound(strategy, 1, weights([0, 0]), [update('a', 1, [1, -2])]);
  assertClose(w1, [[0.1035534, -0.1545085]]);
});

test('fedadagrad second step keeps accumulating v', () => {
  const strategy = createStrategy({ name: 'fedadagrad', ...knobs });
  const w1 = runRound(strategy, 1, weights([0, 0]), [update('a', 1, [1, -2])]);
  // Delta2 = [1, 0];  m2 = 0.5 * [0.5, -1] + 0.5 * [1, 0] = [0.75, -0.5];  v2 = [2 + 1, 5 + 0] = [3, 5]
  // step = 0.5 * [0.75 / (sqrt(3) + 1), -0.5 / (sqrt(5) + 1)] = [0.1372595, -0.0772542]
  // w2 = [0.1035534 + 0.1372595, -0.1545085 - 0.0772542] = [0.2408129, -0.2317627]
  const w2 = runRound(strategy, 2, w1, [update('a', 1, [w1[0]![0]! + 1, w1[0]![1]!])]);
  assertClose(w2, [[0.2408129, -0.2317627]]);
});
