import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStrategy, type StrategySpec } from '../../src/strategies/index.ts';
import { plain, runRound, update, weights } from './helpers.ts';

const w0 = weights([0.5, -0.25, 2], [1]);
const roundOne = [update('a', 3, [1, 0, 2.5], [0.5]), update('b', 1, [0, -1, 1], [2])];
const roundTwo = [update('a', 2, [0.2, 0.3, 1.5], [1.5]), update('c', 5, [0.7, -0.4, 2.2], [0.1])];

for (const spec of [
  { name: 'fedavgm' },
  { name: 'fedadam' },
  { name: 'fedyogi' },
  { name: 'fedadagrad' },
] satisfies StrategySpec[]) {
  test(`${spec.name}: exportState -> restoreState continues identically`, () => {
    const original = createStrategy(spec);
    const w1 = runRound(original, 1, w0, roundOne);
    const saved = original.exportState();

    const resumed = createStrategy(spec);
    resumed.restoreState(saved);
    assert.deepEqual(resumed.exportState(), saved);
    assert.deepEqual(plain(runRound(resumed, 2, w1, roundTwo)), plain(runRound(original, 2, w1, roundTwo)));
    assert.deepEqual(resumed.exportState(), original.exportState());
  });
}

test('exported state counts server steps and holds the momentum', () => {
  const strategy = createStrategy({ name: 'fedavgm', serverLr: 1, beta: 0.9 });
  runRound(strategy, 7, weights([0, 0]), [update('a', 1, [1, 2])]);
  assert.deepEqual(strategy.exportState(), { name: 'fedavgm', round: 1, tensors: { momentum: weights([1, 2]) }, scalars: {} });
});

test('exported state is a copy that later rounds do not change', () => {
  const strategy = createStrategy({ name: 'fedadam' });
  const w1 = runRound(strategy, 1, w0, roundOne);
  const saved = strategy.exportState();
  const snapshot = structuredClone(saved);
  runRound(strategy, 2, w1, roundTwo);
  assert.deepEqual(saved, snapshot);
});

test('a fresh state (before any step) round-trips', () => {
  const fresh = createStrategy({ name: 'fedyogi' });
  const restored = createStrategy({ name: 'fedyogi' });
  restored.restoreState(fresh.exportState());
  assert.deepEqual(plain(runRound(restored, 1, w0, roundOne)), plain(runRound(fresh, 1, w0, roundOne)));
});

test('restoreState refuses state written by another strategy', () => {
  const saved = createStrategy({ name: 'fedadam' }).exportState();
  assert.throws(() => createStrategy({ name: 'fedyogi' }).restoreState(saved), /it belongs to "fedadam", this strategy is "fedyogi"/);
});

test('restoreState refuses state with missing moment tensors', () => {
  const strategy = createStrategy({ name: 'fedadam' });
  runRound(strategy, 1, w0, roundOne);
  const saved = strategy.exportState();
  delete saved.tensors.v;
  assert.throws(() => createStrategy({ name: 'fedadam' }).restoreState(saved), /expected tensor sets \[m, v\] \(or none\), got \[m\]/);
});

test('restored state that does not fit the model is refused when the round starts', () => {
  const strategy = createStrategy({ name: 'fedavgm' });
  runRound(strategy, 1, weights([0, 0]), [update('a', 1, [1, 2])]);
  const resumed = createStrategy({ name: 'fedavgm' });
  resumed.restoreState(strategy.exportState());
  assert.throws(() => resumed.startRound(2, weights([0, 0, 0])), /server state "momentum" does not fit the model: it tensor 0 has 2 values/);
});
