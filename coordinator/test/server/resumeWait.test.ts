import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { EdgeSession } from '@geofed/client/edge/session';
import { trainingWorker } from '@geofed/client/edge/workers';
import { parseCoordinatorConfig } from '@geofed/coordinator/config/coordinatorConfig';
import { startCoordinator, type RunningCoordinator } from '@geofed/coordinator/server/coordinator';
import { makeSynthetic } from '@geofed/shared/data/synthetic';
import { tempDir, within } from './processes.ts';

/*
 * A resumed coordinator carries on with the clients that came back: it waits for minClientsPerRound (or
 * resumeWaitForClients), not for the full house waitForClients asked of the fresh start.
 */

const clientId = 'edge-1';
const token = 'edge-1-token-0123456789';
const checkpointDir = join(tempDir('resume-wait'), 'checkpoints');
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const data = makeSynthetic({});
const sessions: EdgeSession[] = [];
const coordinators: RunningCoordinator[] = [];

const configWith = (rounds: number, waitForClients: number) =>
  parseCoordinatorConfig(
    {
      dataset: 'synthetic',
      model: { type: 'mlp', hidden: [16] },
      rounds,
      local: { epochs: 1, batchSize: 16, lr: 0.05 },
      waitForClients,
      minClientsPerRound: 1,
      deadlineSeconds: 60,
      backend: 'cpu',
      auth: { tokens: { [clientId]: token } },
    },
    '/',
  );

async function coordinatorWithOneClient(rounds: number, waitForClients: number, resume: boolean): Promise<RunningCoordinator> {
  const coordinator = await startCoordinator(configWith(rounds, waitForClients), { port: 0, host: '127.0.0.1', checkpointDir, resume });
  const session = new EdgeSession({
    clientId,
    token,
    socket: io(coordinator.url, { autoConnect: false, transports: ['websocket'] }),
    worker: trainingWorker(clientId, { data: { split: data.train, indices: Int32Array.from({ length: 300 }, (_, i) => i) }, inputShape: data.inputShape, numClasses: data.numClasses }),
    capabilities: { encodings: ['f32'], maxMessageBytes: 1 << 20, backend: 'test', device: { runtime: 'node', platform: '', userAgent: '', cpuCores: 0, memoryMib: 0 }, methods: ['fedavg'], modelTypes: ['mlp'] },
    maxPayloadBytes: 1 << 24,
    log: quiet,
  });
  void session.start();
  sessions.push(session);
  coordinators.push(coordinator);
  return coordinator;
}

after(async () => {
  for (const session of sessions) session.stop();
  await coordinators.at(-1)?.close();
});

test('a resumed coordinator runs its next round once minClientsPerRound clients are back, not waitForClients', { timeout: 300_000 }, async () => {
  const first = await coordinatorWithOneClient(1, 1, false);
  await within(first.finished, 120_000, 'round 1 of the first start');
  await first.close();

  // The resumed run is told to wait for three clients at a fresh start; only one comes back.
  const resumed = await coordinatorWithOneClient(2, 3, true);
  assert.equal(resumed.status().round, 1, 'resumed after round 1');
  await within(resumed.finished, 120_000, 'round 2 of the resumed run with one client of waitForClients 3');
  assert.deepEqual(resumed.status().history.map((h) => h.accepted), [[clientId], [clientId]]);
});
