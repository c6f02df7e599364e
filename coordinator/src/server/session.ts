import type { Socket } from 'socket.io';
import type { Logger } from '@geofed/shared/log';
import { rejectCodeFor } from '@geofed/shared/wire/codec';
import { isWireError, WireError } from '@geofed/shared/wire/errors';
import { encodeFrames, FRAME_EVENT, FrameReader, frameBytes, HEARTBEAT_EVENT } from '@geofed/shared/wire/framing';
import {
  PROTOCOL_VERSION,
  type ClientState,
  type Encoding,
  type Envelope,
  type EnvelopeOf,
  type Payload,
  type RejectCode,
  type Verdict,
} from '@geofed/shared/wire/messages';
import type { Authenticator } from './auth.ts';
import type { CoordinatorMetrics } from './metrics.ts';
import type { UploadBudget } from './uploadBudget.ts';

export interface SessionSettings {
  readonly maxFrameBytes: number;
  readonly maxPayloadBytes: number;
  readonly transferIdleMs: number;
  readonly heartbeatMs: number;
  readonly downloadEncoding: Encoding;
  readonly uploadEncoding: Encoding;
  /** What a client must be able to do to take part in this run (checked against its Join's capabilities). */
  readonly method: string;
  readonly modelType: string;
}

/** The coordinator's answer to an Update (sent back as its Ack). */
export type AckVerdict =
  | { readonly accepted: true }
  | { readonly accepted: false; readonly code: RejectCode; readonly verdict: Verdict; readonly reason: string };

/** What a session needs from the rest of the coordinator. */
export interface SessionHost {
  readonly settings: SessionSettings;
  readonly auth: Authenticator;
  readonly budget: UploadBudget;
  readonly metrics: CoordinatorMetrics;
  readonly log: Logger;
  joined(session: ClientSession): void;
  closed(session: ClientSession): void;
  /** Takes a decoded Update; resolves once the round has taken or refused it. `release` frees its upload bytes. */
  update(session: ClientSession, update: EnvelopeOf<'update'>, bytes: number, release: () => void): Promise<AckVerdict>;
  taskRefused(session: ClientSession, reject: EnvelopeOf<'reject'>): void;
}

/** An upload's claim on the budget; released exactly once. */
class Reservation {
  private released = false;

  constructor(
    private readonly budget: UploadBudget,
    readonly bytes: number,
  ) {}

  release = (): void => {
    if (this.released) return;
    this.released = true;
    this.budget.release(this.bytes);
  };
}

/** A connection that has not joined by then is closed (generous: a busy coordinator may read the Join late). */
const JOIN_TIMEOUT_MS = 30_000;

/** Frame-level refusals after which sending the same bytes again cannot succeed. */
const FINAL_FRAME_CODES: ReadonlySet<RejectCode> = new Set(['too_large', 'unsupported_version', 'unsupported', 'unauthorized']);

/**
 * One authenticated socket: frames in (decoded, reassembled, validated, dispatched in arrival order), frames out,
 * the Join handshake and heartbeats. The client id was authenticated at the socket.io handshake; nothing a
 * client sends is acted on before its Join is accepted.
 */
export class ClientSession {
  readonly connectedAt = Date.now();
  lastSeen = Date.now();
  state: ClientState = 'idle';
  workingOn: number | undefined;
  uploadEncoding: Encoding | undefined;
  private peerMaxFrame: number;
  private joinedAt: number | undefined;
  private readonly reader: FrameReader;
  private queue: Promise<void> = Promise.resolve();
  private transfer: Reservation | undefined;
  private readonly aborted = new AbortController();
  private messageCounter = 0;
  private readonly joinTimer: ReturnType<typeof setTimeout>;

  constructor(
    readonly clientId: string,
    private readonly socket: Socket,
    private readonly host: SessionHost,
  ) {
    const { settings } = host;
    this.peerMaxFrame = settings.maxFrameBytes;
    this.reader = new FrameReader({
      maxFrameBytes: settings.maxFrameBytes,
      maxPayloadBytes: settings.maxPayloadBytes,
      idleTimeoutMs: settings.transferIdleMs,
      onExpired: (transferId, error) => {
        this.releaseTransfer();
        this.refuse(error, transferId);
      },
    });
    this.joinTimer = setTimeout(() => this.drop('deadline', `no Join within ${JOIN_TIMEOUT_MS / 1000}s of connecting`), JOIN_TIMEOUT_MS);
    // Heartbeats come on their own event and are handled on arrival, never behind an upload waiting in `queue`.
    socket.on(HEARTBEAT_EVENT, (data: unknown) => this.onHeartbeat(data));
    socket.onAny((event: string, ...args: unknown[]) => {
      if (event === FRAME_EVENT || event === HEARTBEAT_EVENT) return;
      this.lastSeen = Date.now();
      this.reject('malformed', `unknown event "${event}": GeoFed frames go on "${FRAME_EVENT}", heartbeats on "${HEARTBEAT_EVENT}"`, '', 'final');
      const ack = args.at(-1);
      if (typeof ack === 'function') (ack as () => void)();
    });
    socket.on(FRAME_EVENT, (data: unknown, ack?: unknown) => {
      // On arrival, not when handled: a frame may wait behind an upload held for the budget.
      this.lastSeen = Date.now();
      this.queue = this.queue
        .then(() => this.receive(data))
        .catch((e: unknown) => this.refuse(e, ''))
        .finally(() => {
          if (typeof ack === 'function') (ack as () => void)();
        });
    });
    socket.on('disconnect', (reason) => this.onDisconnect(reason));
  }

  get joined(): boolean {
    return this.joinedAt !== undefined;
  }

  get address(): string {
    return this.socket.handshake.address;
  }

  /** Sends an envelope, chunked to the client's frame limit. Returns the bytes sent. */
  send(payload: Payload): number {
    const envelope: Envelope = { protocolVersion: PROTOCOL_VERSION, messageId: `c${++this.messageCounter}`, payload };
    return this.sendFrames(encodeFrames(envelope, this.peerMaxFrame));
  }

  /** Sends pre-encoded frames (a round task encoded once for every client). */
  sendFrames(frames: readonly Uint8Array[]): number {
    let bytes = 0;
    for (const frame of frames) {
      this.socket.emit(FRAME_EVENT, frame);
      bytes += frame.length;
    }
    this.host.metrics.bytesSent.inc(bytes);
    return bytes;
  }

  /** The client's frame limit (tasks are cut to it). */
  get maxFrameBytes(): number {
    return this.peerMaxFrame;
  }

  /** Refuses with a reason (naming the refused message, if any), then closes the connection. */
  drop(code: RejectCode, reason: string, inReplyTo = ''): void {
    this.reject(code, reason, inReplyTo, 'final');
    this.host.log.warn({ clientId: this.clientId, code, reason }, 'connection dropped');
    // Let the Reject go out before the close.
    setTimeout(() => this.socket.disconnect(true), 50).unref();
  }

  /** Closes without a word (another connection took over this client id, or the coordinator stops). */
  close(): void {
    this.socket.disconnect(true);
  }

  private reject(code: RejectCode, reason: string, inReplyTo: string, verdict: Verdict): void {
    this.host.metrics.rejected.inc({ code });
    this.send({ case: 'reject', value: { code, reason, inReplyTo, retryAfterMs: 0, verdict } });
  }

  /**
   * Answers a frame that could not be taken with a Reject and logs why. The verdict is about the bytes: a frame
   * that was damaged or arrived at a bad moment may be sent again, one that is too large or of the wrong version
   * may not.
   */
  private refuse(error: unknown, inReplyTo: string): void {
    const wire = isWireError(error);
    const code: RejectCode = wire ? rejectCodeFor(error) : 'internal';
    const reason = error instanceof Error ? error.message : String(error);
    if (wire) this.host.log.warn({ clientId: this.clientId, code, reason, wireCode: error.code }, 'message rejected');
    else this.host.log.error({ clientId: this.clientId, err: error }, 'failed to handle a message');
    if (this.socket.connected) this.reject(code, reason, inReplyTo, FINAL_FRAME_CODES.has(code) ? 'final' : 'retryable');
  }

  /** The end of the run, announced once every answer this session owes (its last Ack included) has gone out. */
  async announceEnd(lastRound: number, reason: string): Promise<void> {
    await this.queue;
    if (this.socket.connected) this.send({ case: 'runEnded', value: { lastRound, reason } });
  }

  /** Resolves once the client has closed the connection (or at once if it is closed). */
  get disconnected(): Promise<void> {
    if (this.socket.disconnected) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('disconnect', () => resolve()));
  }

  private onHeartbeat(data: unknown): void {
    this.lastSeen = Date.now();
    try {
      const envelope = this.reader.decodeFrame(data);
      if (envelope.payload.case !== 'heartbeat') {
        throw new WireError('BAD_VALUE', `only Heartbeat messages go on "${HEARTBEAT_EVENT}", got ${envelope.payload.case}`);
      }
      if (!this.joined) return this.drop('unauthorized', 'a Heartbeat before the Join was accepted');
      this.state = envelope.payload.value.state;
      this.workingOn = envelope.payload.value.round;
    } catch (e) {
      this.refuse(e, '');
    }
  }

  private async receive(data: unknown): Promise<void> {
    const size = data instanceof Uint8Array || data instanceof ArrayBuffer ? data.byteLength : 0;
    this.host.metrics.bytesReceived.inc(size);
    const frame = this.reader.decodeFrame(frameBytes(data));
    if (frame.payload.case !== 'chunk') return this.dispatch(frame, size, () => {});
    const chunk = frame.payload.value;
    if (this.transfer === undefined && this.reader.transfersInFlight === 0) {
      const limit = this.host.settings.maxPayloadBytes;
      if (chunk.totalBytes > limit) {
        const error = new WireError('TOO_LARGE', `transfer ${chunk.transferId}: ${chunk.totalBytes} bytes exceed the largest message accepted (${limit} bytes)`);
        return this.refuse(error, chunk.transferId);
      }
      // A new upload: hold its first chunk's acknowledgement until the budget has room for all of it.
      await this.host.budget.reserve(chunk.totalBytes, this.aborted.signal);
      this.transfer = new Reservation(this.host.budget, chunk.totalBytes);
      this.host.metrics.uploadBudgetBytes.set(this.host.budget.bytesInUse);
    }
    let whole: Envelope | undefined;
    try {
      whole = this.reader.assemble(chunk);
    } catch (e) {
      if (this.reader.transfersInFlight === 0) this.releaseTransfer();
      // Named by its transfer id, so that the sender knows which message to send again.
      return this.refuse(e, chunk.transferId);
    }
    if (whole === undefined) return;
    const reservation = this.transfer;
    this.transfer = undefined;
    return this.dispatch(whole, chunk.totalBytes, reservation?.release ?? (() => {}));
  }

  private releaseTransfer(): void {
    this.transfer?.release();
    this.transfer = undefined;
    this.host.metrics.uploadBudgetBytes.set(this.host.budget.bytesInUse);
  }

  private async dispatch(envelope: Envelope, bytes: number, release: () => void): Promise<void> {
    const { payload } = envelope;
    if (payload.case !== 'update') release();
    if (!this.joined && payload.case !== 'join') {
      return this.drop('unauthorized', `expected a Join as the first message, got ${payload.case}`);
    }
    switch (payload.case) {
      case 'join':
        return this.onJoin(envelope as EnvelopeOf<'join'>);
      case 'update': {
        const verdict = await this.host.update(this, envelope as EnvelopeOf<'update'>, bytes, () => {
          release();
          this.host.metrics.uploadBudgetBytes.set(this.host.budget.bytesInUse);
        });
        const refusal = verdict.accepted ? {} : { code: verdict.code, verdict: verdict.verdict, reason: verdict.reason };
        this.send({ case: 'ack', value: { inReplyTo: envelope.messageId, accepted: verdict.accepted, reason: '', ...refusal } });
        return;
      }
      case 'heartbeat':
        throw new WireError('BAD_VALUE', `heartbeats go on their own event, "${HEARTBEAT_EVENT}"`);
      case 'reject':
        return this.host.taskRefused(this, envelope as EnvelopeOf<'reject'>);
      default:
        throw new WireError('BAD_VALUE', `a client may not send ${payload.case} messages`);
    }
  }

  private onJoin(envelope: EnvelopeOf<'join'>): void {
    const join = envelope.payload.value;
    const { settings } = this.host;
    if (this.joined) throw new WireError('BAD_VALUE', 'this connection has already joined');
    // The connection may have closed while the Join waited in line: a closed session must not enter the pool.
    if (!this.socket.connected) return;
    const refuse = (code: RejectCode, reason: string) => this.drop(code, reason, envelope.messageId);
    if (join.clientId !== this.clientId) {
      return refuse('unauthorized', `Join names client ${join.clientId}, the connection authenticated as ${this.clientId}`);
    }
    const verdict = this.host.auth.check(join.clientId, join.token);
    if (!verdict.ok) return refuse('unauthorized', verdict.reason);
    if (join.protocolVersion !== PROTOCOL_VERSION) {
      return refuse('unsupported_version', `the client speaks protocol ${join.protocolVersion}, the coordinator ${PROTOCOL_VERSION}`);
    }
    const { encodings, maxMessageBytes, methods, modelTypes } = join.capabilities;
    if (!encodings.includes(settings.downloadEncoding)) {
      return refuse('unsupported', `tasks travel as ${settings.downloadEncoding}, which the client does not list (${encodings.join(', ')})`);
    }
    if (!methods.includes(settings.method)) {
      return refuse('unsupported', `this run trains with method ${settings.method}, which the client does not list (${methods.join(', ')})`);
    }
    if (!modelTypes.includes(settings.modelType)) {
      return refuse('unsupported', `this run trains a ${settings.modelType} model, a type the client does not list (${modelTypes.join(', ')})`);
    }
    clearTimeout(this.joinTimer);
    if (maxMessageBytes > 0) this.peerMaxFrame = Math.min(settings.maxFrameBytes, maxMessageBytes);
    this.uploadEncoding = encodings.includes(settings.uploadEncoding) ? settings.uploadEncoding : encodings[0]!;
    this.joinedAt = Date.now();
    this.send({
      case: 'joinAccepted',
      value: {
        inReplyTo: envelope.messageId,
        protocolVersion: PROTOCOL_VERSION,
        uploadEncoding: this.uploadEncoding,
        maxMessageBytes: settings.maxFrameBytes,
        heartbeatIntervalMs: settings.heartbeatMs,
      },
    });
    this.host.log.info(
      { clientId: this.clientId, address: this.address, device: join.capabilities.device, backend: join.capabilities.backend, uploadEncoding: this.uploadEncoding },
      'client joined',
    );
    this.host.joined(this);
  }

  private onDisconnect(reason: string): void {
    clearTimeout(this.joinTimer);
    this.aborted.abort(new WireError('TIMEOUT', 'the connection closed'));
    this.reader.close();
    this.releaseTransfer();
    if (this.joined) this.host.log.info({ clientId: this.clientId, reason }, 'client disconnected');
    this.host.closed(this);
  }
}
