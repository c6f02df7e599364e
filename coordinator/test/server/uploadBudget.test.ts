import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UploadBudget } from '@geofed/coordinator/server/uploadBudget';

test('uploads beyond the budget wait, and are granted in arrival order as bytes are released', async () => {
  const budget = new UploadBudget(100);
  const granted: string[] = [];
  await budget.reserve(60);
  const b = budget.reserve(60).then(() => granted.push('b'));
  const c = budget.reserve(30).then(() => granted.push('c'));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(granted, [], 'c waits behind b even though it would fit');
  budget.release(60);
  await Promise.all([b, c]);
  assert.deepEqual(granted, ['b', 'c']);
  assert.equal(budget.bytesInUse, 90);
});

test('an upload larger than the whole budget is refused at once', async () => {
  await assert.rejects(new UploadBudget(100).reserve(101), { code: 'TOO_LARGE' });
});

test('an aborted wait leaves the queue and lets the next one through', async () => {
  const budget = new UploadBudget(100);
  await budget.reserve(100);
  const controller = new AbortController();
  const first = budget.reserve(50, controller.signal);
  const second = budget.reserve(50);
  controller.abort(new Error('connection closed'));
  await assert.rejects(first, /connection closed/);
  budget.release(100);
  await second;
  assert.equal(budget.bytesInUse, 50);
  assert.equal(budget.queued, 0);
});
