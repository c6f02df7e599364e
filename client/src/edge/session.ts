import type { Socket } from 'socket.io-client';
import type { ClientUpdate, MethodPayload, RoundTask } from '@geofed/shared/federation/task';
import type { FixedClassifier } from '@geofed/shared/math/classifiers/index';
import type { WeightSpec } from '@geofed/shared/tensor/weights';
import { encodeEnvelope, rejectCodeFor } from '@geofed/shared/wire/codec';
import { isWireError } from '@geofed/shared/wire/errors';
import { roundTaskFromWire, updateToWire, type ReceiverModel } from '@geofed/shared/wire/federation';
import { FRAME_EVENT, FrameReader, framesOf, HEARTBEAT_EVENT } from '@geofed/shared/wire/framing';
import {
  PROTOCOL_VERSION,
  type Capabilities,
  type ClientState,
  type Encoding,
  type Envelope,
  type EnvelopeOf,
  type Payload,
  type RejectCode,
  type Verdict,
} from '@geofed/shared/wire/messages';

/**
 * The edge client's side of the GeoFed protocol, the same in Node and in browsers (no Node API here): join,
 * take round tasks, train with the worker, upload the update in acknowledged frames, heartbeat. It survives lost
 * connections: socket.io-client reconnects with exponential backoff, the client joins again, and the coordinator
 * re-sends the task of a round still open for it; an update trained but not acknowledged is kept and sent again
 * instead of training twice.
 */

/** Local work on a task: training (or, for transport benchmarks, echoing the weights). */
export interface EdgeWorker {
  /**
   * The model a task for this model spec and fixed classifier (undefined: a learned head) trains, which its
   * weights and geometry must fit; undefined accepts any bundle.
   */
  model(modelSpec: string, classifier: FixedClassifier | undefined): ReceiverModel | undefined;
  run(task: RoundTask, modelSpec: string, classifier: FixedClassifier | undefined): Promise<ClientUpdate>;
}

/** The subset of pino's API the session logs with (browsers pass a console-backed one). */
export interface EdgeLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export type EdgeEvent =
  | { type: 'joined'; uploadEncoding: Encoding }
  | { type: 'task'; round: number }
  | { type: 'trained'; round: number; numSamples: number; trainLoss?: number }
  | { type: 'ack'; round: number; accepted: boolean; reason: string; verdict?: Verdict }
  /** The trained update could not be encoded (e.g. a non-finite value): it was not sent. */
  | { type: 'notSent'; round: number; reason: string }
  | { type: 'rejected'; code: RejectCode; reason: string }
  | { type: 'disconnected'; reason: string }
  | { type: 'runEnded'; lastRound: number; reason: string }
  | { type: 'stopped'; reason: string };

/**
 * Why a session stopped for good: the run ended, the coordinator refused the client, no coordinator was reachable
 * for `giveUpAfterMs`, or `stop()` was called.
 */
export interface EdgeStop {
  readonly kind: 'ended' | 'refused' | 'unreachable' | 'stopped';
  readonly reason: string;
}

export interface EdgeSessionOptions {
  readonly clientId: string;
  readonly token: string;
  /** A socket.io-client socket created with `autoConnect: false` and `transports: ['websocket']`. */
  readonly socket: Socket;
  readonly worker: EdgeWorker;
  readonly capabilities: Capabilities;
  /** Largest task accepted after reassembly. */
  readonly maxPayloadBytes: number;
  readonly log: EdgeLog;
  readonly onEvent?: (event: EdgeEvent) => void;
  /** How long to wait for the coordinator to acknowledge a frame of a small message (updates wait until their deadline). */
  readonly ackTimeoutMs?: number;
  /** Longest wait between reconnection attempts after the coordinator closed the connection. */
  readonly reconnectMaxMs?: number;
  /** Stop after this long without a joined connection to a coordinator; 0 or unset: keep trying. */
  readonly giveUpAfterMs?: number;
  /** After the end of a run, wait for the next one (reconnect) instead of stopping. */
  readonly stayAfterRun?: boolean;
}

/** How long a task may take when the coordinator set no deadline. */
const DEFAULT_DEADLINE_MS = 10 * 60_000;

class AckTimeout extends Error {
  constructor(ms: number) {
    super(`the coordinator did not acknowledge a frame within ${Math.round(ms / 1000)}s`);
  }
}

/** A refused update is sent again at most this many times (each answer may ask for another try). */
const MAX_UPLOAD_ATTEMPTS = 3;

/** A trained update the coordinator has not acknowledged yet: encoded afresh for each attempt, so that between
 * attempts only the weights are held, not their encodings. */
interface PendingUpload {
  readonly round: number;
  readonly modelVersion: number;
  readonly messageId: string;
  /** The RoundTask's message id (a refusal names it). */
  readonly taskId: string;
  /** When the round's deadline passes (epoch ms): no point waiting for the coordinator beyond it. */
  readonly deadlineAt: number;
  readonly update: ClientUpdate;
  readonly weightSpecs: WeightSpec[];
  readonly reference: RoundTask['weights'];
  /** Sends so far (a retryable refusal asks for another). */
  attempts: number;
}

export class EdgeSession {
  private reader: FrameReader | undefined;
  private joinMessageId: string | undefined;
  private uploadEncoding: Encoding = 'f32';
  private coordinatorMaxFrame = 0;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private messageCounter = 0;
  /** Aborted when the connection it belongs to ends: sends started on it stop waiting. */
  private connection = new AbortController();
  private state: ClientState = 'idle';
  private training: number | undefined;
  private nextTask: EnvelopeOf<'roundTask'> | undefined;
  private unacknowledged: PendingUpload | undefined;
  private reconnectAttempts = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private giveUpTimer: ReturnType<typeof setTimeout> | undefined;
  /** An upload is being sent; `resend` asks it to go again once done (a retryable refusal came meanwhile). */
  private uploading = false;
  private resend = false;
  private stopped = false;
  private resolveStopped!: (stop: EdgeStop) => void;
  /** Resolves once the session has stopped for good, saying why. */
  readonly done: Promise<EdgeStop> = new Promise((resolve) => (this.resolveStopped = resolve));

  constructor(private readonly options: EdgeSessionOptions) {
    const { socket } = options;
    socket.auth = { clientId: options.clientId, token: options.token };
    socket.on('connect', () => this.onConnect());
    socket.on('connect_error', (err: Error & { data?: { code?: string; reason?: string } }) => this.onConnectError(err));
    socket.on('disconnect', (reason: string) => this.onDisconnect(reason));
    socket.on(FRAME_EVENT, (data: unknown) => this.onFrame(data));
  }

  start(): Promise<EdgeStop> {
    this.armGiveUp();
    this.options.socket.connect();
    return this.done;
  }

  stop(reason = 'stopped', kind: EdgeStop['kind'] = 'stopped'): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.giveUpTimer);
    clearInterval(this.heartbeat);
    this.options.socket.disconnect();
    this.reader?.close();
    this.emit({ type: 'stopped', reason });
    this.resolveStopped({ kind, reason });
  }

  /** Starts the clock on the time without a coordinator (stopped again by JoinAccepted). */
  private armGiveUp(): void {
    const limit = this.options.giveUpAfterMs ?? 0;
    if (limit <= 0 || this.giveUpTimer !== undefined) return;
    this.giveUpTimer = setTimeout(() => {
      const reason = `no coordinator reachable for ${Math.round(limit / 1000)}s: giving up`;
      this.options.log.error({}, reason);
      this.stop(reason, 'unreachable');
    }, limit);
  }

  private emit(event: EdgeEvent): void {
    this.options.onEvent?.(event);
  }

  private nextId(): string {
    return `${this.options.clientId}-${++this.messageCounter}`;
  }

  private onConnect(): void {
    this.connection.abort();
    this.connection = new AbortController();
    this.reader?.close();
    this.reader = new FrameReader({
      // Until JoinAccepted states the coordinator's limit, frames up to our own are taken.
      maxFrameBytes: this.options.capabilities.maxMessageBytes,
      maxPayloadBytes: this.options.maxPayloadBytes,
      idleTimeoutMs: this.options.ackTimeoutMs ?? 60_000,
      onExpired: (id, error) => this.options.log.warn({ transferId: id, reason: error.message }, 'task transfer dropped'),
    });
    this.joinMessageId = this.nextId();
    this.options.log.info({}, 'connected, joining');
    this.sendEnvelope({
      protocolVersion: PROTOCOL_VERSION,
      messageId: this.joinMessageId,
      payload: {
        case: 'join',
        value: { clientId: this.options.clientId, token: this.options.token, protocolVersion: PROTOCOL_VERSION, capabilities: this.options.capabilities },
      },
    }).catch((e: unknown) => this.options.log.warn({ reason: (e as Error).message }, 'Join not delivered; joining again on the next connection'));
  }

  private onConnectError(err: Error & { data?: { code?: string; reason?: string } }): void {
    if (err.data?.code === 'unauthorized') {
      this.options.log.error({ reason: err.data.reason }, 'the coordinator refused the connection');
      this.emit({ type: 'rejected', code: 'unauthorized', reason: err.data.reason ?? err.message });
      this.stop(`unauthorized: ${err.data.reason ?? err.message}`, 'refused');
      return;
    }
    // The coordinator is unreachable: socket.io-client keeps retrying with backoff by itself.
    this.options.log.warn({ reason: err.message }, 'cannot reach the coordinator, retrying');
  }

  private onDisconnect(reason: string): void {
    this.connection.abort();
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.coordinatorMaxFrame = 0;
    this.emit({ type: 'disconnected', reason });
    if (this.stopped) return;
    this.armGiveUp();
    this.options.log.warn({ reason }, 'disconnected');
    // socket.io-client reconnects by itself except when the coordinator closed the connection (a restart, or a
    // refusal that a Reject already explained): then we come back after a backoff of our own.
    if (reason === 'io server disconnect') this.scheduleReconnect();
  }

  /** Reconnects after an exponential backoff, or after the longest one (`patient`: no coordinator is expected soon). */
  private scheduleReconnect(patient = false): void {
    const max = this.options.reconnectMaxMs ?? 10_000;
    const delay = (patient ? max : Math.min(max, 500 * 2 ** this.reconnectAttempts++)) * (0.5 + Math.random() / 2);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      if (!this.stopped && !this.options.socket.connected) this.options.socket.connect();
    }, delay);
  }

  private onFrame(data: unknown): void {
    let envelope: Envelope | undefined;
    try {
      envelope = this.reader?.read(data);
    } catch (e) {
      this.options.log.warn({ reason: (e as Error).message }, 'frame from the coordinator refused');
      if (isWireError(e)) this.sendReject(rejectCodeFor(e), e.message, '');
      return;
    }
    if (envelope === undefined) return;
    const { payload } = envelope;
    switch (payload.case) {
      case 'joinAccepted':
        return this.onJoined(payload.value.uploadEncoding, payload.value.maxMessageBytes, payload.value.heartbeatIntervalMs);
      case 'reject':
        return this.onReject(payload.value.code, payload.value.reason, payload.value.inReplyTo, payload.value.verdict);
      case 'roundTask':
        return this.onTask(envelope as EnvelopeOf<'roundTask'>);
      case 'ack':
        return this.onAck(payload.value.inReplyTo, payload.value.accepted, payload.value.reason, payload.value.verdict);
      case 'runEnded':
        return this.onRunEnded(payload.value.lastRound, payload.value.reason);
      default:
        this.options.log.warn({ case: payload.case }, 'unexpected message from the coordinator, ignored');
    }
  }

  private onJoined(uploadEncoding: Encoding, maxMessageBytes: number, heartbeatMs: number): void {
    this.reconnectAttempts = 0;
    clearTimeout(this.giveUpTimer);
    this.giveUpTimer = undefined;
    this.uploadEncoding = uploadEncoding;
    this.coordinatorMaxFrame = maxMessageBytes > 0 ? maxMessageBytes : this.options.capabilities.maxMessageBytes;
    clearInterval(this.heartbeat);
    if (heartbeatMs > 0) this.heartbeat = setInterval(() => this.sendHeartbeat(), heartbeatMs);
    this.options.log.info({ uploadEncoding, maxMessageBytes }, 'joined');
    this.emit({ type: 'joined', uploadEncoding });
  }

  private onReject(code: RejectCode, reason: string, inReplyTo: string, verdict: Verdict): void {
    this.emit({ type: 'rejected', code, reason });
    // Only a finally refused Join ends the session; other refusals end a connection at most, and the client comes back.
    if (verdict === 'final' && inReplyTo === this.joinMessageId) {
      this.options.log.error({ code, reason }, 'the coordinator refused this client');
      this.stop(`${code}: ${reason}`, 'refused');
      return;
    }
    this.options.log.warn({ code, reason, inReplyTo, verdict }, 'the coordinator refused a message');
    // A refused upload transfer (damaged on the way, say) names the update: send it again, or give it up.
    const pending = this.unacknowledged;
    if (pending !== undefined && pending.messageId === inReplyTo) this.uploadRefused(pending, verdict);
  }

  private onRunEnded(lastRound: number, reason: string): void {
    this.emit({ type: 'runEnded', lastRound, reason });
    this.nextTask = undefined;
    this.unacknowledged = undefined;
    if (!this.options.stayAfterRun) {
      this.options.log.info({ lastRound, reason }, 'the run has ended');
      this.stop(`the run has ended: ${reason}`, 'ended');
      return;
    }
    // Staying for the next run: leave this one, and look for a coordinator again after the longest backoff.
    this.options.log.info({ lastRound, reason }, 'the run has ended; waiting for the next one');
    this.options.socket.disconnect();
    this.scheduleReconnect(true);
  }

  private onTask(envelope: EnvelopeOf<'roundTask'>): void {
    const { round, modelVersion } = envelope.payload.value;
    this.emit({ type: 'task', round });
    const kept = this.unacknowledged;
    if (kept !== undefined && kept.round === round && kept.modelVersion === modelVersion) {
      this.options.log.info({ round }, 'task sent again: re-sending the update trained before the connection dropped');
      void this.upload(kept);
      return;
    }
    if (this.training === round) return; // still working on it (the coordinator re-sent it after a reconnect)
    this.nextTask = envelope;
    if (this.training === undefined) void this.work();
  }

  private async work(): Promise<void> {
    while (this.nextTask !== undefined && !this.stopped) {
      const { messageId: taskId, payload } = this.nextTask;
      this.nextTask = undefined;
      const { round, modelVersion, modelSpec, deadlineMs } = payload.value;
      const deadlineAt = Date.now() + (deadlineMs > 0 ? deadlineMs : DEFAULT_DEADLINE_MS);
      this.training = round;
      this.unacknowledged = undefined;
      try {
        // Decoded into the task's own arrays; the received message (and the frames it came in) can go.
        const received = roundTaskFromWire(payload.value, (classifier) => this.options.worker.model(modelSpec, classifier));
        this.state = 'training';
        const { geometry } = (received.task.payload ?? {}) as MethodPayload;
        this.options.log.info({ round, ...(geometry ? { geometryClasses: geometry.classes.length } : {}) }, 'training');
        const update = await this.options.worker.run(received.task, modelSpec, received.classifier);
        const trainLoss = update.metrics?.trainLoss;
        this.emit({ type: 'trained', round, numSamples: update.numSamples, ...(trainLoss !== undefined ? { trainLoss } : {}) });
        this.unacknowledged = {
          round,
          modelVersion,
          messageId: this.nextId(),
          taskId,
          deadlineAt,
          update,
          weightSpecs: received.weightSpecs,
          reference: received.task.weights,
          attempts: 0,
        };
      } catch (e) {
        const code: RejectCode = isWireError(e) ? rejectCodeFor(e) : 'internal';
        this.options.log.error({ round, code, reason: (e as Error).message }, 'cannot do the task');
        this.sendReject(code, (e as Error).message, taskId);
      } finally {
        this.training = undefined;
        this.state = 'idle';
      }
      if (this.unacknowledged !== undefined && this.nextTask === undefined) await this.upload(this.unacknowledged);
    }
  }

  /** Sends the update (again, while a retryable refusal asks for it), one upload at a time. */
  private async upload(pending: PendingUpload): Promise<void> {
    if (this.uploading) {
      this.resend = true;
      return;
    }
    this.uploading = true;
    try {
      do {
        this.resend = false;
        await this.sendUpdate(pending);
      } while (this.resend && this.unacknowledged === pending);
    } finally {
      this.uploading = false;
    }
  }

  /** Sends the update frame by frame, each after the previous one was acknowledged; gives up on a lost connection. */
  private async sendUpdate(pending: PendingUpload): Promise<void> {
    if (this.coordinatorMaxFrame === 0) return; // not joined: the task comes again after the next Join
    this.state = 'uploading';
    pending.attempts++;
    try {
      const bytes = encodeEnvelope({
        protocolVersion: PROTOCOL_VERSION,
        messageId: pending.messageId,
        payload: {
          case: 'update',
          value: updateToWire(pending.update, {
            round: pending.round,
            modelVersion: pending.modelVersion,
            weightSpecs: pending.weightSpecs,
            encoding: this.uploadEncoding,
            reference: pending.reference,
          }),
        },
      });
      this.options.log.info({ round: pending.round, bytes: bytes.length, encoding: this.uploadEncoding }, 'uploading the update');
      // The coordinator holds an upload's first acknowledgement until it has room for it: wait up to the deadline.
      await this.sendFrames(framesOf(bytes, this.coordinatorMaxFrame, pending.messageId), Math.max(this.ackTimeout, pending.deadlineAt - Date.now()));
    } catch (e) {
      if (isWireError(e)) {
        // The update itself cannot be sent (e.g. training diverged to NaN): tell the coordinator, do not retry.
        this.unacknowledged = undefined;
        this.options.log.error({ round: pending.round, reason: e.message }, 'the update cannot be encoded');
        this.emit({ type: 'notSent', round: pending.round, reason: e.message });
        this.sendReject(rejectCodeFor(e), e.message, pending.taskId);
        return;
      }
      this.options.log.warn({ round: pending.round, reason: (e as Error).message }, 'upload interrupted; the update is kept for the next connection');
      // Connected but unanswered: start afresh, the coordinator sends the task again if the round is still open.
      if (e instanceof AckTimeout && this.options.socket.connected) this.options.socket.disconnect().connect();
    } finally {
      this.state = 'idle';
    }
  }

  private onAck(inReplyTo: string, accepted: boolean, reason: string, verdict: Verdict | undefined): void {
    const pending = this.unacknowledged;
    if (pending === undefined || pending.messageId !== inReplyTo) return;
    this.emit({ type: 'ack', round: pending.round, accepted, reason, ...(verdict ? { verdict } : {}) });
    if (accepted) {
      this.unacknowledged = undefined;
      this.options.log.info({ round: pending.round }, 'update accepted');
      return;
    }
    this.options.log.warn({ round: pending.round, reason, verdict }, 'update refused');
    this.uploadRefused(pending, verdict ?? 'final');
  }

  /** A retryable refusal is answered by sending the update again (within the deadline and the attempt limit). */
  private uploadRefused(pending: PendingUpload, verdict: Verdict): void {
    if (verdict === 'retryable' && pending.attempts < MAX_UPLOAD_ATTEMPTS && Date.now() < pending.deadlineAt) {
      void this.upload(pending);
      return;
    }
    this.unacknowledged = undefined;
  }

  /** On its own event and unacknowledged, so that it goes out between an upload's frames instead of after them. */
  private sendHeartbeat(): void {
    if (!this.options.socket.connected) return;
    const round = this.training;
    const envelope: Envelope = {
      protocolVersion: PROTOCOL_VERSION,
      messageId: this.nextId(),
      payload: { case: 'heartbeat', value: { timestampMs: Date.now(), state: this.state, ...(round !== undefined ? { round } : {}) } },
    };
    this.options.socket.emit(HEARTBEAT_EVENT, encodeEnvelope(envelope));
  }

  /** Refusals a client sends (a task it cannot do, a frame it cannot read) are final: it will not do better on a resend. */
  private sendReject(code: RejectCode, reason: string, inReplyTo: string): void {
    this.send({ case: 'reject', value: { code, reason, inReplyTo, retryAfterMs: 0, verdict: 'final' } });
  }

  private send(payload: Payload): void {
    void this.sendEnvelope({ protocolVersion: PROTOCOL_VERSION, messageId: this.nextId(), payload }).catch((e: unknown) =>
      this.options.log.warn({ case: payload.case, reason: (e as Error).message }, 'message not delivered'),
    );
  }

  private sendEnvelope(envelope: Envelope): Promise<void> {
    const limit = this.coordinatorMaxFrame || this.options.capabilities.maxMessageBytes;
    return this.sendFrames(framesOf(encodeEnvelope(envelope), limit, envelope.messageId));
  }

  private get ackTimeout(): number {
    return this.options.ackTimeoutMs ?? 60_000;
  }

  /** Sends frames one after the other, each once the previous one was acknowledged. */
  private async sendFrames(frames: readonly Uint8Array[], timeoutMs = this.ackTimeout): Promise<void> {
    const { signal } = this.connection;
    for (const frame of frames) {
      // socket.io-client would buffer frames emitted while disconnected and replay them on a new connection,
      // where they no longer belong.
      if (signal.aborted || !this.options.socket.connected) throw new Error('the connection was lost');
      await this.emitFrame(frame, timeoutMs, signal);
    }
  }

  private emitFrame(frame: Uint8Array, timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = (error?: Error) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      const onAbort = () => finish(new Error('the connection was lost'));
      const timer = setTimeout(() => finish(new AckTimeout(timeoutMs)), timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.options.socket.emit(FRAME_EVENT, frame, () => finish());
    });
  }
}
