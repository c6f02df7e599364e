import type { Logger } from '@geofed/shared/log';
import type { FixedClassifier } from '@geofed/shared/math/classifiers/index';
import type { WeightSpec } from '@geofed/shared/tensor/weights';
import { encodeEnvelope } from '@geofed/shared/wire/codec';
import { isWireError } from '@geofed/shared/wire/errors';
import { roundTaskToWire, updateFromWire } from '@geofed/shared/wire/federation';
import { framesOf } from '@geofed/shared/wire/framing';
import { PROTOCOL_VERSION, type EnvelopeOf, type Encoding, type RejectCode, type Verdict } from '@geofed/shared/wire/messages';
import type { ClientOutcome, ClientPool, ClientUpdate, DispatchOptions, RoundTask } from '../engine/clientPool.ts';
import type { AckVerdict, ClientSession } from './session.ts';
import type { CoordinatorMetrics } from './metrics.ts';

export interface SocketPoolOptions {
  /** The model's name on the wire and its weights' names and shapes (every update is checked against them). */
  readonly modelSpec: string;
  readonly weightSpecs: readonly WeightSpec[];
  readonly downloadEncoding: Encoding;
  /** The fixed head clients train against (sent with every task), for methods that have one. */
  readonly classifier?: FixedClassifier;
  /** Where the method collects class statistics: the shape they must have (updates with others are refused). */
  readonly statistics?: { readonly numClasses: number; readonly dim: number };
  /** A selected client that disconnects is dropped from the round unless it rejoins within this time. */
  readonly reconnectGraceMs: number;
  /** A joined client from which nothing (not even a heartbeat) arrived for this long is taken for gone. */
  readonly silenceLimitMs: number;
  readonly metrics: CoordinatorMetrics;
  readonly log: Logger;
}

/** The round in progress: who still owes an update, what was sent, and the outcomes not yet taken by the engine. */
class OpenRound {
  readonly pending: Set<string>;
  readonly selected: ReadonlySet<string>;
  readonly bytesDown = new Map<string, number>();
  readonly graceTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly framesBySize = new Map<number, Uint8Array[]>();
  private readonly outcomes: ClientOutcome[] = [];
  private wake: (() => void) | undefined;

  constructor(
    readonly task: RoundTask,
    readonly messageId: string,
    private readonly encoded: Uint8Array,
    clients: readonly string[],
  ) {
    this.selected = new Set(clients);
    this.pending = new Set(clients);
  }

  /** The task's frames for a client accepting frames of `maxFrameBytes`, cut once per distinct limit. */
  framesFor(maxFrameBytes: number): Uint8Array[] {
    let frames = this.framesBySize.get(maxFrameBytes);
    if (frames === undefined) {
      frames = framesOf(this.encoded, maxFrameBytes, this.messageId);
      this.framesBySize.set(maxFrameBytes, frames);
    }
    return frames;
  }

  /** Records the client's one outcome; false if it had none pending. */
  settle(clientId: string, outcome: ClientOutcome): boolean {
    if (!this.pending.delete(clientId)) return false;
    clearTimeout(this.graceTimers.get(clientId));
    this.graceTimers.delete(clientId);
    this.outcomes.push(outcome);
    this.wake?.();
    return true;
  }

  fail(clientId: string, reason: string): void {
    this.settle(clientId, { ok: false, clientId, reason, bytesDown: this.bytesDown.get(clientId) ?? 0 });
  }

  /** Whether the client still owes this round an update. */
  awaits(clientId: string): boolean {
    return this.pending.has(clientId);
  }

  /** The next outcome, or undefined once every selected client has one and all were taken. */
  async next(): Promise<ClientOutcome | undefined> {
    while (this.outcomes.length === 0) {
      if (this.pending.size === 0) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    return this.outcomes.shift();
  }

  /** Outcomes never handed to the engine (the round was abandoned): their senders are told so. */
  abandon(): void {
    for (const id of [...this.pending]) this.fail(id, 'the round was abandoned');
    for (const o of this.outcomes.splice(0)) if (o.ok) o.settle?.({ accepted: false, reason: `round ${this.task.round} was abandoned` });
    for (const t of this.graceTimers.values()) clearTimeout(t);
  }
}

/**
 * The round engine's ClientPool over socket.io sessions. Sampling sees the joined clients; a selected client
 * that disconnects keeps its place for `reconnectGraceMs` and gets the task again when it rejoins, so a client
 * whose connection blipped can still deliver. Updates are decoded and validated against the model here, before
 * the engine hands them to the aggregator; the engine's verdict goes back to the client as its Ack.
 */
export class SocketPool implements ClientPool {
  /** Bytes are counted as sent and received, method payloads included. */
  readonly measuresPayloadBytes = true;
  private readonly sessions = new Map<string, ClientSession>();
  private open: OpenRound | undefined;
  private readonly joinWaiters = new Set<() => void>();
  private readonly sweeper: ReturnType<typeof setInterval>;
  /** Set once the run is over: what every client (also one joining later) is told. */
  private ended: { readonly lastRound: number; readonly reason: string } | undefined;

  constructor(private readonly options: SocketPoolOptions) {
    this.sweeper = setInterval(() => this.evictSilent(), Math.max(1000, options.silenceLimitMs / 4));
    this.sweeper.unref();
  }

  available(): readonly string[] {
    return [...this.sessions.keys()].sort();
  }

  get connectedSessions(): readonly ClientSession[] {
    return [...this.sessions.values()];
  }

  /** Resolves once at least `count` clients have joined. */
  async waitForClients(count: number, signal?: AbortSignal): Promise<void> {
    while (this.sessions.size < count) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve) => {
        const done = () => {
          this.joinWaiters.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.joinWaiters.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  joined(session: ClientSession): void {
    const previous = this.sessions.get(session.clientId);
    this.sessions.set(session.clientId, session);
    if (previous !== undefined && previous !== session) {
      this.options.log.info({ clientId: session.clientId }, 'a new connection replaces the previous one');
      previous.close();
    }
    this.options.metrics.clientsConnected.set(this.sessions.size);
    for (const wake of [...this.joinWaiters]) wake();
    if (this.ended !== undefined) {
      void session.announceEnd(this.ended.lastRound, this.ended.reason);
      return;
    }
    const open = this.open;
    if (open?.pending.has(session.clientId)) {
      clearTimeout(open.graceTimers.get(session.clientId));
      open.graceTimers.delete(session.clientId);
      this.options.log.info({ clientId: session.clientId, round: open.task.round }, 'client back mid-round: sending its task again');
      this.sendTask(open, session);
    }
  }

  closed(session: ClientSession): void {
    if (this.sessions.get(session.clientId) !== session) return;
    this.sessions.delete(session.clientId);
    this.options.metrics.clientsConnected.set(this.sessions.size);
    const open = this.open;
    if (open?.pending.has(session.clientId)) this.startGrace(open, session.clientId);
  }

  /**
   * The end of the run: every client is told (after the answers it is owed), and has `waitMs` to disconnect by
   * itself. Clients joining later are told at once.
   */
  async endRun(lastRound: number, reason: string, waitMs: number): Promise<void> {
    this.ended = { lastRound, reason };
    const sessions = [...this.sessions.values()];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
    await Promise.race([Promise.all(sessions.map(async (s) => {
      await s.announceEnd(lastRound, reason);
      await s.disconnected;
    })), timeout]);
    clearTimeout(timer);
  }

  /** Shutdown: ends the open round's dispatch (its outcomes are not to be used) and closes every connection. */
  shutdown(): void {
    clearInterval(this.sweeper);
    this.open?.abandon();
    for (const s of this.sessions.values()) s.close();
  }

  async *dispatch(task: RoundTask, clients: readonly string[], options: DispatchOptions): AsyncIterable<ClientOutcome> {
    const { modelSpec, weightSpecs, downloadEncoding, classifier } = this.options;
    const deadlineMs = options.deadlineMs ?? 0;
    const messageId = `task-${task.round}`;
    const message = roundTaskToWire(task, { modelSpec, weightSpecs, encoding: downloadEncoding, deadlineMs, ...(classifier ? { classifier } : {}) });
    const encoded = encodeEnvelope({ protocolVersion: PROTOCOL_VERSION, messageId, payload: { case: 'roundTask', value: message } });
    const open = new OpenRound(task, messageId, encoded, clients);
    this.open = open;
    const deadline =
      deadlineMs > 0
        ? setTimeout(() => {
            for (const id of [...open.pending]) open.fail(id, `no update within the round deadline of ${deadlineMs / 1000}s`);
          }, deadlineMs)
        : undefined;
    const onAbort = () => open.abandon();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (const id of clients) {
        const session = this.sessions.get(id);
        if (session) this.sendTask(open, session);
        else this.startGrace(open, id);
      }
      for (let outcome = await open.next(); outcome !== undefined; outcome = await open.next()) {
        this.options.metrics.updates.inc({ result: outcome.ok ? 'delivered' : 'failed' });
        yield outcome;
      }
    } finally {
      clearTimeout(deadline);
      options.signal?.removeEventListener('abort', onAbort);
      open.abandon();
      if (this.open === open) this.open = undefined;
    }
  }

  /**
   * Checks an Update against the open round, the model and the method's contract, then queues it for the engine.
   * A final refusal takes the client out of the round at once, so that the round does not wait for it; a
   * retryable one keeps its place until the deadline.
   */
  update(session: ClientSession, envelope: EnvelopeOf<'update'>, bytes: number, release: () => void): Promise<AckVerdict> {
    const message = envelope.payload.value;
    const refuse = (reason: string, code: RejectCode, verdict: Verdict = 'final'): Promise<AckVerdict> => {
      release();
      this.options.metrics.rejected.inc({ code });
      this.options.log.warn({ clientId: session.clientId, round: message.round, code, verdict, reason }, 'update refused');
      if (verdict === 'final' && open?.selected.has(session.clientId) && message.round === open.task.round) {
        open.fail(session.clientId, `update refused: ${reason}`);
      }
      return Promise.resolve({ accepted: false, code, verdict, reason });
    };
    const open = this.open;
    if (message.clientId !== session.clientId) {
      return refuse(`the update names client ${message.clientId}, this connection is ${session.clientId}`, 'unauthorized');
    }
    if (open === undefined || message.round !== open.task.round) {
      const now = open === undefined ? 'no round is open' : `the open round is ${open.task.round}`;
      return refuse(`round ${message.round} is closed (${now})`, 'stale');
    }
    if (!open.selected.has(session.clientId)) return refuse(`client ${session.clientId} was not selected for round ${open.task.round}`, 'stale');
    if (!open.awaits(session.clientId)) {
      return refuse(`client ${session.clientId} has no update outstanding in round ${open.task.round} (already delivered or dropped)`, 'stale');
    }
    const encoding = message.weights.tensors.find((t) => t.encoding !== session.uploadEncoding)?.encoding;
    if (encoding !== undefined) {
      // The trained weights are fine; sent in the encoding JoinAccepted named, they will be taken.
      return refuse(`round ${open.task.round}: tensors in ${encoding}, this connection's upload encoding is ${session.uploadEncoding}`, 'unsupported', 'retryable');
    }
    let decoded: ClientUpdate;
    try {
      decoded = updateFromWire(message, this.options.weightSpecs, open.task.weights, this.options.statistics);
    } catch (e) {
      return refuse(`round ${open.task.round}: ${(e as Error).message}`, isWireError(e) ? 'malformed' : 'internal');
    }
    return new Promise((resolve) => {
      open.settle(session.clientId, {
        ok: true,
        update: decoded,
        bytesUp: bytes,
        bytesDown: open.bytesDown.get(session.clientId) ?? 0,
        settle: (verdict) => {
          release();
          // The round's aggregation refused a well-formed update: the client is already out of the round.
          resolve(verdict.accepted ? verdict : { accepted: false, code: 'policy', verdict: 'final', reason: verdict.reason });
        },
      });
    });
  }

  /** A client declined the open round's task (Reject answering it): it is out of the round, with its reason. */
  taskRefused(session: ClientSession, envelope: EnvelopeOf<'reject'>): void {
    const { code, reason, inReplyTo } = envelope.payload.value;
    const open = this.open;
    this.options.log.warn({ clientId: session.clientId, code, reason, inReplyTo }, 'client refused a task');
    if (open !== undefined && inReplyTo === open.messageId) open.fail(session.clientId, `the client refused the task (${code}): ${reason}`);
  }

  /** Sessions whose client fell silent (a connection that died without a close reaching us) leave the pool. */
  private evictSilent(): void {
    const now = Date.now();
    for (const session of [...this.sessions.values()]) {
      if (now - session.lastSeen <= this.options.silenceLimitMs) continue;
      this.options.log.warn({ clientId: session.clientId, silentSeconds: Math.round((now - session.lastSeen) / 1000) }, 'client silent: dropping it');
      session.close();
      this.closed(session);
    }
  }

  private sendTask(open: OpenRound, session: ClientSession): void {
    const bytes = session.sendFrames(open.framesFor(session.maxFrameBytes));
    open.bytesDown.set(session.clientId, (open.bytesDown.get(session.clientId) ?? 0) + bytes);
  }

  private startGrace(open: OpenRound, clientId: string): void {
    const grace = this.options.reconnectGraceMs;
    clearTimeout(open.graceTimers.get(clientId));
    open.graceTimers.set(
      clientId,
      setTimeout(() => open.fail(clientId, `disconnected and not back within ${grace / 1000}s`), grace),
    );
  }
}
