import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { io, type Socket } from 'socket.io-client';
import { parseCoordinatorConfig } from '@geofed/coordinator/config/coordinatorConfig';
import { startCoordinator, type CoordinatorStatus, type RunningCoordinator } from '@geofed/coordinator/server/coordinator';
import { waitFor, within } from '../server/processes.ts';

/**
 * A protocol peer written the way a client in another language would be: messages built from
 * shared/proto/geofed.proto alone (protobufjs's .proto parser, the .proto's own snake_case field names, enum
 * names as strings) and sent over socket.io-client with the event names, acknowledgements and chunking of
 * docs/protocol.md. Nothing from GeoFed's TypeScript wire or client code is used, so that these tests pin the
 * specification, not the implementation.
 */

const PROTO = fileURLToPath(new URL('../../../shared/proto/geofed.proto', import.meta.url));
const root = protobuf.parse(readFileSync(PROTO, 'utf8'), { keepCase: true }).root.resolveAll();
const Envelope = root.lookupType('geofed.v1.Envelope');

/** docs/protocol.md, "Transport". */
export const FRAME_EVENT = 'geofed.v1';
export const HEARTBEAT_EVENT = 'geofed.v1.heartbeat';

/** A message as protobufjs's `toObject` gives it: snake_case fields, enum names, numbers for 64-bit integers. */
export type Message = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function encode(envelope: Message): Uint8Array {
  const message = Envelope.fromObject(envelope);
  const problem = Envelope.verify(message);
  if (problem !== null) throw new Error(`not an Envelope: ${problem}`);
  return Envelope.encode(message).finish();
}

export function decode(bytes: Uint8Array): Message {
  return Envelope.toObject(Envelope.decode(bytes), { enums: String, longs: Number, bytes: Array, defaults: true, oneofs: true });
}

export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

/** The Chunk envelopes that carry `payload` in pieces of at most `pieceBytes` (the .proto's Chunk rules). */
export function chunksOf(payload: Uint8Array, pieceBytes: number, transferId: string, digest = sha256(payload)): Message[] {
  const total = Math.max(1, Math.ceil(payload.length / pieceBytes));
  return Array.from({ length: total }, (_, index) => ({
    protocol_version: 1,
    message_id: `${transferId}/${index}`,
    chunk: { transfer_id: transferId, index, total, total_bytes: payload.length, sha256: digest, data: payload.subarray(index * pieceBytes, (index + 1) * pieceBytes) },
  }));
}

export class ProtoPeer {
  readonly received: Message[] = [];
  readonly socket: Socket;
  private counter = 0;

  constructor(
    url: string,
    readonly clientId: string,
    readonly token: string,
  ) {
    this.socket = io(url, { transports: ['websocket'], auth: { clientId, token }, reconnection: false, forceNew: true });
    this.socket.on(FRAME_EVENT, (data: Uint8Array) => this.received.push(decode(data)));
  }

  connected(): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    return within(new Promise((resolve) => this.socket.once('connect', () => resolve())), 30_000, `${this.clientId} to connect`);
  }

  nextId(): string {
    return `${this.clientId}-${++this.counter}`;
  }

  /** Sends one envelope (the payload field and its message) as one frame; resolves with its message id once acknowledged. */
  async send(payload: Message, messageId = this.nextId()): Promise<string> {
    await this.sendFrame(encode({ protocol_version: 1, message_id: messageId, ...payload }));
    return messageId;
  }

  /** Emits a frame and waits for the coordinator's socket.io acknowledgement. */
  sendFrame(bytes: Uint8Array, event = FRAME_EVENT): Promise<unknown> {
    return this.socket.timeout(30_000).emitWithAck(event, bytes);
  }

  /**
   * Sends an envelope without waiting for the frame's acknowledgement: for an Update the coordinator may hold it
   * (and the Ack) until the round closes, which takes the other clients' answers too. Returns the message id.
   */
  post(payload: Message, messageId = this.nextId()): string {
    this.postFrame(encode({ protocol_version: 1, message_id: messageId, ...payload }));
    return messageId;
  }

  postFrame(bytes: Uint8Array): void {
    this.socket.emit(FRAME_EVENT, bytes, () => {});
  }

  heartbeat(state: string, round?: number): void {
    const heartbeat = { timestamp_ms: Date.now(), state, ...(round !== undefined ? { round } : {}) };
    this.socket.emit(HEARTBEAT_EVENT, encode({ protocol_version: 1, message_id: this.nextId(), heartbeat }));
  }

  /** Joins with the given capabilities (defaults: every method and model type, f32); resolves with the Join's message id. */
  join(capabilities: Partial<Message> = {}): Promise<string> {
    return this.send({
      join: {
        client_id: this.clientId,
        token: this.token,
        protocol_version: 1,
        capabilities: {
          encodings: ['ENCODING_F32'],
          max_message_bytes: 0,
          backend: 'none',
          device: { runtime: 'conformance-test' },
          methods: ['fedavg', 'fedprox', 'fedproto', 'fedetf', 'geofed'],
          model_types: ['mlp', 'cnn', 'head'],
          ...capabilities,
        },
      },
    });
  }

  /** The first received message with payload `kind` (after `from` messages) that `match` accepts; waits up to `timeoutMs`. */
  next(kind: string, match: (m: Message) => boolean = () => true, from = 0, timeoutMs = 60_000): Promise<Message> {
    return waitFor(
      `${this.clientId}: a ${kind} message`,
      () => this.received.slice(from).find((e) => e.payload === kind && match(e[kind] as Message)),
      timeoutMs,
      10,
    );
  }

  /** The RoundTask of `round`. */
  async task(round: number): Promise<Message> {
    return this.next('round_task', (t) => t.round === round, 0, 120_000);
  }

  close(): void {
    this.socket.disconnect();
  }
}

/** An Update for `task` sending its own weights back (a client that trained zero steps), as raw fields. */
export function echoUpdate(task: Message, clientId: string, numSamples: number, overrides: Message = {}): Message {
  const { round, model_version: modelVersion, weights } = task.round_task as Message;
  return {
    update: { round, model_version: modelVersion, client_id: clientId, num_samples: numSamples, local_steps: 1, kind: 'UPDATE_KIND_WEIGHTS', weights, metrics: { trainLoss: 0.5 }, ...overrides },
  };
}

/**
 * Class statistics that real embeddings could have: all `numSamples` in class 0 at the origin-centred unit sphere's
 * poles (sum 0, second moment n/d I), of dimension `dim`.
 */
export function honestStatistics(dim: number, numSamples: number): Message {
  const outer = new Array<number>(dim * dim).fill(0);
  for (let i = 0; i < dim; i++) outer[i * dim + i] = numSamples / dim;
  return { dim, classes: [{ label: 0, count: numSamples, sum: new Array<number>(dim).fill(0), sum_outer: outer }] };
}

export interface TestCoordinator {
  readonly coordinator: RunningCoordinator;
  readonly url: string;
  status(): CoordinatorStatus;
  /** Resolves with the status once round `round` is complete. */
  roundDone(round: number, timeoutMs?: number): Promise<CoordinatorStatus>;
}

/** Tokens for the peers a test uses. */
export function tokenOf(clientId: string): string {
  return `conformance-token-${clientId}-0123456789`;
}

/** An in-process coordinator on a free loopback port: small MLP on the synthetic data, peers `clients` admitted. */
export async function startTestCoordinator(clients: readonly string[], overrides: Message = {}): Promise<TestCoordinator> {
  const config = parseCoordinatorConfig(
    {
      dataset: 'synthetic',
      model: { type: 'mlp', hidden: [16] },
      rounds: 100,
      local: { epochs: 1, batchSize: 64, lr: 0.05 },
      deadlineSeconds: 120,
      heartbeatSeconds: 1,
      evaluation: { enabled: false },
      auth: { tokens: Object.fromEntries(clients.map((c) => [c, tokenOf(c)])) },
      ...overrides,
    },
    '/',
  );
  const coordinator = await startCoordinator(config, { port: 0, host: '127.0.0.1' });
  return {
    coordinator,
    url: coordinator.url,
    status: () => coordinator.status(),
    roundDone: (round, timeoutMs = 60_000) =>
      waitFor(`round ${round} to complete`, () => {
        const s = coordinator.status();
        return s.round >= round ? s : undefined;
      }, timeoutMs, 5),
  };
}
