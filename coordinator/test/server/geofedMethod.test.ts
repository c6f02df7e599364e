import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CoordinatorStatus } from '@geofed/coordinator/server/coordinator';
import {
  fetchStatus,
  killAll,
  logRecords,
  startClientProcess,
  startCoordinatorProcess,
  tempDir,
  tokenFor,
  waitFor,
  type CoordinatorProc,
  type Proc,
} from './processes.ts';

/*
 * GeoFed itself over the network: a coordinator configured with `method: { name: geofed }` and three client
 * processes on the synthetic data set. The fixed classifier and the pooled geometry travel in the round tasks,
 * the clients' class statistics in their updates.
 */

const CLIENTS = 3;
const ROUNDS = 3;
const NUM_CLASSES = 10;
const ids = Array.from({ length: CLIENTS }, (_, k) => `client-${String(k).padStart(4, '0')}`);
const config = {
  dataset: 'synthetic',
  model: { type: 'mlp', hidden: [32] },
  method: { name: 'geofed', geometry: { minCount: 5 } },
  classifier: { type: 'etf', dim: 16 },
  rounds: ROUNDS,
  local: { epochs: 1, batchSize: 32, lr: 0.05 },
  waitForClients: CLIENTS,
  deadlineSeconds: 60,
  heartbeatSeconds: 1,
  auth: { tokens: Object.fromEntries(ids.map((id) => [id, tokenFor(id)])) },
};

let coordinator: CoordinatorProc;
const clients: Proc[] = [];
let status: CoordinatorStatus;

before(async () => {
  coordinator = await startCoordinatorProcess(tempDir('geofed-method'), config);
  for (let k = 0; k < CLIENTS; k++) clients.push(startClientProcess({ url: coordinator.url, index: k, clients: CLIENTS, token: tokenFor(ids[k]!) }));
  status = await waitFor('the last round', async () => {
    const s = await fetchStatus(coordinator.url);
    return s.round >= ROUNDS ? s : undefined;
  }, 150_000);
});

after(killAll);

test('a geofed coordinator and three clients complete three rounds, every update taken, above chance', () => {
  assert.equal(status.history.length, ROUNDS);
  for (const record of status.history) {
    assert.deepEqual(record.accepted, ids, `round ${record.round}: ${JSON.stringify(record.failed)}`);
    assert.equal(record.aggregated, true);
  }
  const last = status.history.at(-1)!;
  assert.ok(last.testAccuracy > 2 / NUM_CLASSES, `accuracy ${last.testAccuracy} after ${ROUNDS} rounds (chance ${1 / NUM_CLASSES})`);
  const listening = logRecords(coordinator).find((r) => r.msg === 'coordinator listening')!;
  assert.equal(listening.method, 'geofed');
  assert.match(String(listening.classifier), /^[0-9a-f]{64}$/);
});

test('the pooled geometry rides with the tasks after round 1 and its bytes are counted', () => {
  const [first, second, third] = status.history;
  assert.equal(first!.geometry, null, 'no statistics before round 1, so no geometry in its tasks');
  for (const record of [second!, third!]) {
    assert.equal(record.geometry?.round, record.round - 1, `round ${record.round} carries the snapshot of the round before`);
    assert.equal(record.geometry.classes, NUM_CLASSES);
    assert.ok(record.geometry.bytes > 0);
  }
  // The same weights go down every round; the geometry is what makes later tasks larger.
  assert.ok(second!.bytesDown > first!.bytesDown + CLIENTS * second!.geometry!.bytes / 2, `bytesDown ${first!.bytesDown} -> ${second!.bytesDown}`);
  // Each update carries its client's class statistics: 10 classes x (32 + 32 x 32) float64 dwarf the 32-wide model.
  assert.ok(first!.bytesUp > CLIENTS * NUM_CLASSES * 8 * 32 * 32, `bytesUp ${first!.bytesUp}`);
});

test('the clients received the geometry: they trained with it in rounds 2 and 3', () => {
  for (const client of clients) {
    const training = logRecords(client).filter((r) => r.msg === 'training');
    assert.deepEqual(
      training.map((r) => [r.round, r.geometryClasses]),
      [[1, undefined], [2, NUM_CLASSES], [3, NUM_CLASSES]],
      client.name,
    );
  }
});
