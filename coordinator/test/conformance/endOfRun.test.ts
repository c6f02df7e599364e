import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '../server/processes.ts';
import { echoUpdate, ProtoPeer, startTestCoordinator, tokenOf, type Message, type TestCoordinator } from './protoPeer.ts';

/*
 * End of run, with raw frames: the last update's Ack is delivered before RunEnded, the client leaves, and the
 * coordinator's run finishes without waiting out its grace; a client that joins later is told at once.
 */

let server: TestCoordinator;

before(async () => {
  server = await startTestCoordinator(['dave', 'erin'], { rounds: 1, waitForClients: 1 });
});

after(async () => {
  await server?.coordinator.close();
});

test('the last Ack comes before RunEnded; the client disconnects and the run finishes at once', async () => {
  const dave = new ProtoPeer(server.url, 'dave', tokenOf('dave'));
  await dave.connected();
  await dave.join();
  const task = await dave.task(1);
  const updateId = dave.post(echoUpdate(task, 'dave', 30));
  const ended = await dave.next('run_ended');
  const ackIndex = dave.received.findIndex((m) => m.payload === 'ack' && (m.ack as Message).in_reply_to === updateId);
  assert.ok(ackIndex >= 0 && ackIndex < dave.received.indexOf(ended), 'the Ack arrives before RunEnded');
  assert.equal((dave.received[ackIndex]!.ack as Message).accepted, true);
  assert.deepEqual(ended.run_ended, { last_round: 1, reason: 'all 1 rounds done' });
  const leftAt = Date.now();
  dave.close();
  await within(server.coordinator.finished, 10_000, 'the run to finish');
  // Finished because dave left, not because the coordinator's wait for clients to leave ran out.
  assert.ok(Date.now() - leftAt < 4000, `finished ${Date.now() - leftAt} ms after the client left`);
  assert.equal(server.status().state, 'finished');
});

test('a client joining after the end is told at once', async () => {
  const erin = new ProtoPeer(server.url, 'erin', tokenOf('erin'));
  await erin.connected();
  await erin.join();
  await erin.next('join_accepted');
  assert.equal(((await erin.next('run_ended')).run_ended as Message).last_round, 1);
  erin.close();
});
