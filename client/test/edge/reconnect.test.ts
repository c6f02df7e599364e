import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { io, type Socket } from 'socket.io-client';
import { EdgeSession, type EdgeEvent } from '@geofed/client/edge/session';
import { trainingWorker } from '@geofed/client/edge/workers';
import { parseCoordinatorConfig } from '@geofed/coordinator/config/coordinatorConfig';
import { startCoordinator, type RunningCoordinator } from '@geofed/coordinator/server/coordinator';
import { makeSynthetic } from '@geofed/shared/data/synthetic';
import { within } from '../../../coordinator/test/server/processes.ts';

/*
 * A connection lost mid-round, in one process: the coordinator keeps the client's place for the grace period,
 * sends the task again when it rejoins, and the client delivers (training on, or re-sending what it trained).
 */

const clientId = 'edge-1';
const token = 'edge-1-token-0123456789';
let coordinator: RunningCoordinator;
let socket: Socket;
let session: EdgeSession;
const events: EdgeEvent[] = [];
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
/** What to do to the connection on each event, set by the test running. */
let onEvent: (event: EdgeEvent) => void = () => {};

function waitForEvent(match: (e: EdgeEvent) => boolean, timeoutMs = 60_000): Promise<EdgeEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; events: ${JSON.stringify(events)}`)), timeoutMs);
    const previous = onEvent;
    onEvent = (e) => {
      previous(e);
      if (match(e)) {
        clearTimeout(timer);
        onEvent = previous;
        resolve(e);
      }
    };
  });
}

/** Cuts the transport the way a network failure would: socket.io-client reconnects by itself. */
const dropConnection = () => socket.io.engine.close();

before(async () => {
  const config = parseCoordinatorConfig(
    {
      dataset: 'synthetic',
      model: { type: 'mlp', hidden: [16] },
      rounds: 2,
      local: { epochs: 3, batchSize: 16, lr: 0.05 },
      reconnectGraceSeconds: 30,
      deadlineSeconds: 60,
      auth: { tokens: { [clientId]: token } },
    },
    '/',
  );
  coordinator = await startCoordinator(config, { port: 0, host: '127.0.0.1' });
  const data = makeSynthetic({});
  socket = io(coordinator.url, { autoConnect: false, transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 200 });
  session = new EdgeSession({
    clientId,
    token,
    socket,
    worker: trainingWorker(clientId, { data: { split: data.train, indices: Int32Array.from({ length: 600 }, (_, i) => i) }, inputShape: data.inputShape, numClasses: data.numClasses }),
    capabilities: { encodings: ['f32'], maxMessageBytes: 1 << 20, backend: 'test', device: { runtime: 'node', platform: '', userAgent: '', cpuCores: 0, memoryMib: 0 }, methods: ['fedavg'], modelTypes: ['mlp'] },
    maxPayloadBytes: 1 << 24,
    log: quiet,
    onEvent: (e) => {
      events.push(e);
      onEvent(e);
    },
  });
  void session.start();
});

after(async () => {
  session.stop();
  await coordinator.close();
});

test('a client whose connection drops while it trains rejoins and delivers in the same round', async () => {
  let dropped = false;
  onEvent = (e) => {
    if (e.type === 'task' && e.round === 1 && !dropped) {
      dropped = true;
      dropConnection();
    }
  };
  const ack = await waitForEvent((e) => e.type === 'ack' && e.round === 1);
  assert.deepEqual(ack, { type: 'ack', round: 1, accepted: true, reason: '' });
  const types = events.map((e) => e.type);
  assert.ok(types.indexOf('disconnected') < types.indexOf('ack'));
  assert.equal(events.filter((e) => e.type === 'trained' && e.round === 1).length, 1, 'trained once');
});

test('an update trained while disconnected is sent again after the rejoin instead of training twice', async () => {
  onEvent = (e) => {
    if (e.type === 'trained' && e.round === 2) dropConnection();
  };
  const ack = await waitForEvent((e) => e.type === 'ack' && e.round === 2);
  assert.deepEqual(ack, { type: 'ack', round: 2, accepted: true, reason: '' });
  assert.equal(events.filter((e) => e.type === 'trained' && e.round === 2).length, 1, 'trained once');
  assert.ok(events.filter((e) => e.type === 'task' && e.round === 2).length >= 2, 'the coordinator sent the task again');
  await within(coordinator.finished, 60_000, 'the last round');
  assert.deepEqual(coordinator.status().history.map((h) => h.accepted), [[clientId], [clientId]]);
});
