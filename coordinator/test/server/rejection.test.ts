import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Socket as EngineSocket } from 'engine.io-client';
import { io, type Socket } from 'socket.io-client';
import { encodeEnvelope } from '@geofed/shared/wire/codec';
import { FRAME_EVENT, FrameReader } from '@geofed/shared/wire/framing';
import { decodeBundle } from '@geofed/shared/wire/tensorCodec';
import type { Envelope, EnvelopeOf, Payload, Tensor, Update } from '@geofed/shared/wire/messages';
import {
  fetchStatus,
  killAll,
  logRecords,
  startClientProcess,
  startCoordinatorProcess,
  tempDir,
  tokenFor,
  waitFor,
  within,
  type CoordinatorProc,
} from './processes.ts';

/*
 * A coordinator process serving one honest client process while "mallory", a socket driven by this test, sends
 * everything a broken or hostile peer might: each is refused with a reason and logged, and the rounds go on.
 */

const MAX_FRAME = 64 * 1024;
const honest = 'client-0000';
const mallory = 'mallory';
let coordinator: CoordinatorProc;

/** A raw protocol peer: frames in and out, no client library logic. */
class Peer {
  readonly received: Envelope[] = [];
  private readonly reader = new FrameReader({ maxFrameBytes: 1 << 24, maxPayloadBytes: 1 << 26, idleTimeoutMs: 30_000 });
  private counter = 0;

  constructor(readonly socket: Socket) {
    socket.on(FRAME_EVENT, (data: unknown) => {
      const envelope = this.reader.read(data);
      if (envelope) this.received.push(envelope);
    });
  }

  send(bytes: Uint8Array): Promise<unknown> {
    return this.socket.timeout(30_000).emitWithAck(FRAME_EVENT, bytes);
  }

  envelope(payload: Payload): Uint8Array {
    return encodeEnvelope({ protocolVersion: 1, messageId: `m${++this.counter}`, payload });
  }

  /** The first message of `kind` received after `from` messages (waits up to 30 s). */
  next<K extends Envelope['payload']['case']>(kind: K, from = 0, match: (e: EnvelopeOf<K>) => boolean = () => true): Promise<EnvelopeOf<K>> {
    return waitFor(`a ${kind} message`, () => this.received.slice(from).find((e): e is EnvelopeOf<K> => e.payload.case === kind && match(e as EnvelopeOf<K>)), 30_000, 20);
  }
}

function connect(clientId: string, token: string): Socket {
  return io(coordinator.url, { transports: ['websocket'], auth: { clientId, token }, reconnection: false, forceNew: true });
}

let peer: Peer;
let task: EnvelopeOf<'roundTask'>;

/** An update for the open task, with the task's own weights unless tensors are given. */
function updateMessage(tensors: Tensor[] = task.payload.value.weights.tensors, round = task.payload.value.round): Update {
  return { round, modelVersion: task.payload.value.modelVersion, clientId: mallory, numSamples: 10, localSteps: 1, kind: 'weights', weights: { tensors }, metrics: {}, extraTensors: {} };
}

/** Waits for mallory's task of a round after the current one (a final refusal took it out of the current one). */
async function nextTask(): Promise<void> {
  const after = task.payload.value.round;
  task = await waitFor('the next task for mallory', () => peer.received.find((e): e is EnvelopeOf<'roundTask'> => e.payload.case === 'roundTask' && e.payload.value.round > after), 120_000);
}

/** Sends a frame and returns the Reject it earns. */
async function rejectionOf(bytes: Uint8Array) {
  const from = peer.received.length;
  await peer.send(bytes);
  return (await peer.next('reject', from)).payload.value;
}

/** Sends an update and returns the coordinator's Ack. */
async function ackOf(update: Update) {
  const bytes = peer.envelope({ case: 'update', value: update });
  const from = peer.received.length;
  await peer.send(bytes);
  return (await peer.next('ack', from)).payload.value;
}

function logged(reason: RegExp): boolean {
  return logRecords(coordinator).some((r) => r.level === 40 && typeof r.reason === 'string' && reason.test(r.reason));
}

before(async () => {
  coordinator = await startCoordinatorProcess(tempDir('rejection'), {
    dataset: 'synthetic',
    model: { type: 'mlp', hidden: [16] },
    rounds: 100,
    local: { epochs: 1, batchSize: 64, lr: 0.05 },
    waitForClients: 2,
    deadlineSeconds: 120,
    maxMessageBytes: MAX_FRAME,
    auth: { tokens: { [honest]: tokenFor(honest), [mallory]: tokenFor(mallory) } },
  });
  startClientProcess({ url: coordinator.url, index: 0, clients: 5, token: tokenFor(honest) });
  peer = new Peer(connect(mallory, tokenFor(mallory)));
  await within(new Promise((resolve) => peer.socket.once('connect', () => resolve(undefined))), 30_000, 'mallory to connect');
  await peer.send(
    peer.envelope({
      case: 'join',
      value: {
        clientId: mallory,
        token: tokenFor(mallory),
        protocolVersion: 1,
        capabilities: { encodings: ['f32'], maxMessageBytes: 0, backend: 'none', device: { runtime: 'test', platform: '', userAgent: '', cpuCores: 0, memoryMib: 0 }, methods: ['fedavg'], modelTypes: ['mlp'] },
      },
    }),
  );
  await peer.next('joinAccepted');
  task = await waitFor('a task for mallory', () => peer.received.find((e): e is EnvelopeOf<'roundTask'> => e.payload.case === 'roundTask'), 120_000);
});

after(async () => {
  peer?.socket.disconnect();
  await killAll();
});

test('a wrong token is refused at the handshake with a reason', async () => {
  const socket = connect(mallory, 'not-the-token-of-mallory');
  const error = await within(
    new Promise<Error & { data?: { code: string; reason: string } }>((resolve) => socket.once('connect_error', resolve)),
    10_000,
    'the refusal',
  );
  socket.disconnect();
  assert.equal(error.data?.code, 'unauthorized');
  assert.match(error.data!.reason, /wrong token for client mallory/);
  await waitFor('the refusal in the log', () => logged(/wrong token for client mallory/) || undefined, 10_000);
});

test('an unauthenticated connection is closed by the coordinator, not left open', async () => {
  // A bare engine.io connection, so that only the coordinator can close it: socket.io's CONNECT with bad credentials.
  const raw = new EngineSocket(coordinator.url, { transports: ['websocket'], path: '/socket.io/' });
  const closed = new Promise<string>((resolve) => raw.once('close', (reason) => resolve(reason)));
  await within(new Promise((resolve) => raw.once('open', () => resolve(undefined))), 10_000, 'the engine.io connection');
  raw.send(`0${JSON.stringify({ clientId: mallory, token: 'wrong-token-for-mallory' })}`);
  assert.equal(await within(closed, 10_000, 'the coordinator to close the connection'), 'transport close');
});

test('a client process with a wrong token stops with the reason and a non-zero exit', async () => {
  const client = startClientProcess({ url: coordinator.url, index: 1, clients: 5, token: 'a-wrong-token-0123456789', extra: ['--client-id', honest] });
  assert.equal(await within(client.exited, 60_000, 'the client to exit'), 2);
  assert.ok(client.lines.some((l) => /the coordinator refused this client: unauthorized: wrong token for client client-0000/.test(l)), client.lines.join('\n'));
});

test('garbage bytes are rejected as malformed', async () => {
  const reject = await rejectionOf(Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) % 256));
  assert.equal(reject.code, 'malformed');
  assert.ok(reject.reason.length > 0);
  await waitFor('the rejection in the log', () => logged(new RegExp(reject.reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))) || undefined, 10_000);
});

test('a truncated protobuf is rejected', async () => {
  const whole = peer.envelope({ case: 'update', value: updateMessage() });
  const reject = await rejectionOf(whole.subarray(0, Math.floor(whole.length / 2)));
  assert.equal(reject.code, 'malformed');
  assert.match(reject.reason, /ends early/);
  await waitFor('the rejection in the log', () => logged(/ends early/) || undefined, 10_000);
});

test('a frame above the size limit is rejected before decoding', async () => {
  const reject = await rejectionOf(new Uint8Array(MAX_FRAME + 1000));
  assert.equal(reject.code, 'too_large');
  assert.match(reject.reason, new RegExp(`exceeds the limit of ${MAX_FRAME}`));
  await waitFor('the rejection in the log', () => logged(/exceeds the limit/) || undefined, 10_000);
});

test('a chunked upload larger than the model is rejected', async () => {
  const chunk = { transferId: 'huge', index: 0, total: 2000, totalBytes: 500 * 1024 * 1024, sha256: new Uint8Array(32), data: new Uint8Array(1000) };
  const reject = await rejectionOf(peer.envelope({ case: 'chunk', value: chunk }));
  assert.equal(reject.code, 'too_large');
  assert.match(reject.reason, /bytes/);
});

test('an update with the wrong tensor shapes is refused, finally', async () => {
  const [first, ...rest] = task.payload.value.weights.tensors;
  const transposed = { ...first!, shape: [...first!.shape].reverse() };
  const ack = await ackOf(updateMessage([transposed, ...rest]));
  assert.equal(ack.accepted, false);
  assert.equal(ack.verdict, 'final');
  assert.match(ack.reason, /has shape \[16, 32\], the model expects \[32, 16\]/);
  await waitFor('the refusal in the log', () => logged(/the model expects \[32, 16\]/) || undefined, 10_000);
});

test('an update holding NaN is refused', async () => {
  await nextTask();
  const tensors = task.payload.value.weights.tensors.map((t, i) => {
    if (i !== 0) return t;
    const values = decodeBundle({ tensors: [t] })[0]!.values;
    values[5] = Number.NaN;
    return { ...t, data: new Uint8Array(values.buffer) };
  });
  const ack = await ackOf(updateMessage(tensors));
  assert.equal(ack.accepted, false);
  assert.match(ack.reason, /value 5 is NaN/);
  await waitFor('the refusal in the log', () => logged(/value 5 is NaN/) || undefined, 10_000);
});

test('the coordinator keeps serving: a valid update is taken and the rounds go on', async () => {
  await nextTask();
  const round = task.payload.value.round;
  const ack = await ackOf(updateMessage());
  assert.deepEqual(ack, { inReplyTo: ack.inReplyTo, accepted: true, reason: '' }, JSON.stringify(ack));
  const status = await waitFor('the next round', async () => {
    const s = await fetchStatus(coordinator.url);
    return s.round >= round ? s : undefined;
  }, 60_000);
  const record = status.history.find((h) => h.round === round)!;
  assert.deepEqual(record.accepted, [honest, mallory].sort());
  assert.equal(status.clients, 2);
});

test('an update for a round that is over is refused as stale', async () => {
  const { round } = task.payload.value;
  await waitFor('the round to close', async () => ((await fetchStatus(coordinator.url)).round >= round ? true : undefined), 60_000);
  const ack = await ackOf(updateMessage(undefined, round));
  assert.equal(ack.accepted, false);
  assert.match(ack.reason, new RegExp(`round ${round} is closed`));
});
