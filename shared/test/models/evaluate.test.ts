import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeSynthetic } from '@geofed/shared/data/synthetic';
import { buildModel } from '@geofed/shared/models/geoModel';
import { batchRanges, combineEvaluations, evaluate, evaluateRows } from '@geofed/shared/models/evaluate';
import { initBackend } from '@geofed/shared/tf/backend';

const data = makeSynthetic({ numClasses: 5, dim: 6, trainSize: 100, testSize: 203, seed: 4 });

before(async () => {
  await initBackend('cpu');
});

test('batchRanges covers every row once, in whole batches, as evenly as batches allow', () => {
  assert.deepEqual(batchRanges(203, 20, 2), [
    [0, 100],
    [100, 203],
  ]);
  assert.deepEqual(batchRanges(203, 20, 3), [
    [0, 60],
    [60, 140],
    [140, 203],
  ]);
  assert.deepEqual(batchRanges(30, 100, 4), [[0, 30]], 'one batch cannot be shared');
  assert.deepEqual(batchRanges(0, 10, 2), [[0, 0]]);
});

test('an evaluation split into parts and combined in order equals the single pass exactly', () => {
  const model = buildModel({ type: 'head', hidden: 8 }, data, 2);
  const whole = evaluate(model, data.test, undefined, 20);
  for (const parts of [2, 3, 7]) {
    const pieces = batchRanges(data.test.n, 20, parts).map(([from, to]) => evaluateRows(model, data.test, 20, from, to));
    assert.deepEqual(combineEvaluations(pieces, data.numClasses), whole, `${parts} parts`);
  }
  assert.equal(whole.n, 203);
  model.dispose();
});

test('evaluateRows refuses a start off a batch boundary (its batches would differ from a single pass)', () => {
  const model = buildModel({ type: 'head', hidden: 8 }, data, 2);
  assert.throws(() => evaluateRows(model, data.test, 20, 5, 40), /batch boundary/);
  model.dispose();
});
