import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor, within } from '../server/processes.ts';
import { chunksOf, echoUpdate, encode, honestStatistics, ProtoPeer, startTestCoordinator, tokenOf, type Message, type TestCoordinator } from './protoPeer.ts';

/*
 * The conformance suite: a live coordinator (method geofed, so updates owe class statistics) and two peers, alice
 * and bob, speaking raw frames built from geofed.proto alone. Every round both are selected; bob always answers
 * well, alice plays the case under test. The tests run in order, one round each.
 */

const EMBEDDING_DIM = 16; // model: mlp with hidden [16]
const SAMPLES = 40;
let server: TestCoordinator;
let alice: ProtoPeer;
let bob: ProtoPeer;
let round = 0;

before(async () => {
  server = await startTestCoordinator(['alice', 'bob', 'carol', 'mallory'], {
    method: { name: 'geofed' },
    waitForClients: 2,
    minClientsPerRound: 2,
  });
  alice = new ProtoPeer(server.url, 'alice', tokenOf('alice'));
  bob = new ProtoPeer(server.url, 'bob', tokenOf('bob'));
  await Promise.all([alice.connected(), bob.connected()]);
});

after(async () => {
  for (const p of [alice, bob]) p?.close();
  await server?.coordinator.close();
});

/** A good update from `peer` for its task of `r`. */
function good(task: Message, peer: ProtoPeer, overrides: Message = {}): Message {
  return echoUpdate(task, peer.clientId, SAMPLES, { statistics: honestStatistics(EMBEDDING_DIM, SAMPLES), ...overrides });
}

/** The Ack answering message `id`. */
function ackOf(peer: ProtoPeer, id: string): Promise<Message> {
  return peer.next('ack', (a) => a.in_reply_to === id).then((m) => m.ack as Message);
}

/** Starts the next round: both peers' tasks. */
async function nextRound(): Promise<{ a: Message; b: Message }> {
  round++;
  const [a, b] = await Promise.all([alice.task(round), bob.task(round)]);
  return { a, b };
}

/** Bob's good update for `task`; resolves once it is accepted (which may be when the round closes). */
async function bobAnswers(task: Message): Promise<void> {
  const ack = await ackOf(bob, bob.post(good(task, bob)));
  assert.equal(ack.accepted, true, ack.reason);
}

/** Alice's good update for `task` (sent without waiting); resolves once it is accepted. */
async function aliceAnswers(task: Message): Promise<void> {
  const ack = await ackOf(alice, alice.post(good(task, alice)));
  assert.equal(ack.accepted, true, ack.reason);
}

test('join: JoinAccepted names the Join and states the upload encoding, frame limit and heartbeat interval', async () => {
  const [aliceJoin] = await Promise.all([alice.join(), bob.join()]);
  const accepted = (await alice.next('join_accepted')).join_accepted as Message;
  assert.equal(accepted.in_reply_to, aliceJoin);
  assert.equal(accepted.protocol_version, 1);
  assert.equal(accepted.upload_encoding, 'ENCODING_F32');
  assert.ok(accepted.max_message_bytes >= 4096);
  assert.equal(accepted.heartbeat_interval_ms, 1000);
});

test('capability refusal: a client without the run\'s method is refused at Join, finally, with the reason', async () => {
  const carol = new ProtoPeer(server.url, 'carol', tokenOf('carol'));
  await carol.connected();
  const closed = new Promise<string>((resolve) => carol.socket.once('disconnect', resolve));
  const joinId = await carol.join({ methods: ['fedavg', 'fedprox'] });
  const reject = (await carol.next('reject')).reject as Message;
  assert.equal(reject.in_reply_to, joinId);
  assert.equal(reject.code, 'REJECT_CODE_UNSUPPORTED');
  assert.equal(reject.verdict, 'VERDICT_FINAL');
  assert.match(reject.reason, /method geofed/);
  assert.equal(await within(closed, 10_000, 'the coordinator to close the connection'), 'io server disconnect');
  assert.ok(!server.status().connected.some((c) => c.id === 'carol'));
});

test('task: the first round is round 1 and carries the model, its weights, the config and a deadline', async () => {
  const { a } = await nextRound();
  const task = a.round_task as Message;
  assert.equal(task.round, 1);
  assert.deepEqual(JSON.parse(task.model_spec), { type: 'mlp', hidden: [16] });
  assert.ok(task.weights.tensors.length > 0);
  assert.ok(task.weights.tensors.every((t: Message) => t.encoding === 'ENCODING_F32' && t.dtype === 'DTYPE_FLOAT32'));
  assert.equal(task.deadline_ms, 120_000);
  assert.equal(task.config.flags['method/geofed'], true);
  // Round 1 is left for the next test to answer.
});

test('a final refusal (no statistics for geofed) takes the client out of the round: it closes within a second of the other answer', async () => {
  const task = await alice.task(round);
  const refusedId = await alice.send(echoUpdate(task, 'alice', SAMPLES));
  const ack = await ackOf(alice, refusedId);
  assert.equal(ack.accepted, false);
  assert.equal(ack.code, 'REJECT_CODE_MALFORMED');
  assert.equal(ack.verdict, 'VERDICT_FINAL');
  assert.match(ack.reason, /no class statistics/);
  const answered = Date.now();
  await bobAnswers(await bob.task(round));
  const status = await server.roundDone(round, 10_000);
  assert.ok(Date.now() - answered < 1000, `round ${round} closed ${Date.now() - answered} ms after the last answer was sent`);
  const record = status.history.find((h) => h.round === round)!;
  assert.deepEqual(record.accepted, ['bob']);
  assert.match(record.failed.find((f) => f.clientId === 'alice')!.reason, /no class statistics/);
});

/** The task's f32 tensors as int8 (symmetric per tensor, as the .proto describes ENCODING_INT8). */
function asInt8(tensors: Message[]): Message[] {
  return tensors.map((t) => {
    const bytes = Uint8Array.from(t.data as number[]);
    const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const max = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const scale = max / 127;
    const q = Int8Array.from(values, (v) => (scale === 0 ? 0 : Math.round(v / scale)));
    return { ...t, encoding: 'ENCODING_INT8', scale, data: new Uint8Array(q.buffer) };
  });
}

test('a retryable refusal (an encoding other than the one JoinAccepted named) keeps the place; the resend is taken', async () => {
  const { a, b } = await nextRound();
  const tensors = (a.round_task as Message).weights.tensors as Message[];
  const wrong = await ackOf(alice, await alice.send(good(a, alice, { weights: { tensors: asInt8(tensors) } })));
  assert.equal(wrong.accepted, false);
  assert.equal(wrong.code, 'REJECT_CODE_UNSUPPORTED');
  assert.equal(wrong.verdict, 'VERDICT_RETRYABLE');
  await Promise.all([aliceAnswers(a), bobAnswers(b)]);
  const record = (await server.roundDone(round)).history.find((h) => h.round === round)!;
  assert.deepEqual(record.accepted, ['alice', 'bob']);
});

/** Statistics that break one rule of the method contract each, and the reason the refusal gives. */
const BROKEN_STATISTICS: Array<{ name: string; statistics: () => Message; reason: RegExp }> = [
  { name: 'of the wrong dimension', statistics: () => honestStatistics(EMBEDDING_DIM + 1, SAMPLES), reason: /dimension 17, the model's embeddings have 16/ },
  { name: 'whose counts disagree with the sample count', statistics: () => honestStatistics(EMBEDDING_DIM, SAMPLES - 1), reason: /count 39 samples, the update claims 40/ },
  {
    name: 'with a non-symmetric second moment',
    statistics: () => {
      const s = honestStatistics(EMBEDDING_DIM, SAMPLES);
      s.classes[0].sum_outer[1] = 0.5;
      return s;
    },
    reason: /not symmetric/,
  },
  {
    name: 'with a second moment that is not positive semi-definite',
    statistics: () => {
      const s = honestStatistics(EMBEDDING_DIM, SAMPLES);
      const outer = s.classes[0].sum_outer as number[];
      // Symmetric with a positive diagonal, but the block [[2.5, 2.6], [2.6, 2.5]] has the eigenvalue -0.1.
      outer[1] = 2.6;
      outer[EMBEDDING_DIM] = 2.6;
      return s;
    },
    reason: /not positive semi-definite/,
  },
];

for (const broken of BROKEN_STATISTICS) {
  test(`statistics ${broken.name} are refused, finally`, async () => {
    const { a, b } = await nextRound();
    const ack = await ackOf(alice, await alice.send(good(a, alice, { statistics: broken.statistics() })));
    assert.equal(ack.accepted, false);
    assert.equal(ack.verdict, 'VERDICT_FINAL');
    assert.match(ack.reason, broken.reason);
    await bobAnswers(b);
    const record = (await server.roundDone(round)).history.find((h) => h.round === round)!;
    assert.deepEqual(record.accepted, ['bob']);
  });
}

test('statistics with a non-finite value are refused before decoding; the client keeps its place and a good resend is taken', async () => {
  const { a, b } = await nextRound();
  const statistics = honestStatistics(EMBEDDING_DIM, SAMPLES);
  statistics.classes[0].sum[3] = Number.NaN;
  const from = alice.received.length;
  await alice.send(good(a, alice, { statistics }));
  const reject = (await alice.next('reject', () => true, from)).reject as Message;
  assert.equal(reject.code, 'REJECT_CODE_MALFORMED');
  assert.equal(reject.verdict, 'VERDICT_RETRYABLE');
  assert.match(reject.reason, /sum\[3\] is NaN/);
  await Promise.all([aliceAnswers(a), bobAnswers(b)]);
  assert.deepEqual((await server.roundDone(round)).history.find((h) => h.round === round)!.accepted, ['alice', 'bob']);
});

test('chunked upload: a bad checksum is refused (retryable, naming the transfer); the good transfer is taken; heartbeats go on during it', async () => {
  const { a, b } = await nextRound();
  const updateId = alice.nextId();
  const bytes = encode({ protocol_version: 1, message_id: updateId, ...good(a, alice) });
  const piece = Math.ceil(bytes.length / 3);

  const from = alice.received.length;
  for (const chunk of chunksOf(bytes, piece, updateId, new Uint8Array(32))) await alice.sendFrame(encode(chunk));
  const reject = (await alice.next('reject', () => true, from)).reject as Message;
  assert.equal(reject.code, 'REJECT_CODE_MALFORMED');
  assert.equal(reject.verdict, 'VERDICT_RETRYABLE');
  assert.equal(reject.in_reply_to, updateId);
  assert.match(reject.reason, /sha256/);

  const [first, ...rest] = chunksOf(bytes, piece, updateId);
  await alice.sendFrame(encode(first!));
  alice.heartbeat('CLIENT_STATE_UPLOADING', round);
  await waitFor('the heartbeat to show in /status', () => {
    const entry = server.status().connected.find((c) => c.id === 'alice');
    return entry?.state === 'uploading' && entry.round === round ? true : undefined;
  }, 10_000, 10);
  const last = rest.pop()!;
  for (const chunk of rest) await alice.sendFrame(encode(chunk));
  alice.postFrame(encode(last));
  const [ack] = await Promise.all([ackOf(alice, updateId), bobAnswers(b)]);
  assert.equal(ack!.accepted, true, ack!.reason);
  assert.deepEqual((await server.roundDone(round)).history.find((h) => h.round === round)!.accepted, ['alice', 'bob']);
});

test('a frame on an unknown event gets a Reject that names the right events', async () => {
  const mallory = new ProtoPeer(server.url, 'mallory', tokenOf('mallory'));
  await mallory.connected();
  mallory.socket.emit('geofed.v2', new Uint8Array([1, 2, 3]));
  const reject = (await mallory.next('reject')).reject as Message;
  assert.equal(reject.code, 'REJECT_CODE_MALFORMED');
  assert.equal(reject.verdict, 'VERDICT_FINAL');
  assert.match(reject.reason, /unknown event "geofed.v2".*"geofed.v1"/);
  mallory.close();
});
