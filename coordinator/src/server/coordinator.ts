import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Server as SocketServer } from 'socket.io';
import { GeoFedError } from '@geofed/shared/errors';
import { snapshotByteSize, type GeometrySnapshot } from '@geofed/shared/geometry/snapshot';
import { classStatsByteSize } from '@geofed/shared/geometry/stats';
import { logger } from '@geofed/shared/log';
import { weightBytes } from '@geofed/shared/tensor/weights';
import type { CoordinatorConfig } from '../config/coordinatorConfig.ts';
import type { RoundRecord } from '../engine/roundEngine.ts';
import { buildFederation, type FederationParts } from '../federation/buildFederation.ts';
import { weightsChecksum } from '../checkpoint/checkpoint.ts';
import { checkCheckpointFolder } from '../federation/checkpointFolder.ts';
import { runReport, type RunReport } from '../federation/runReport.ts';
import { FINAL_WEIGHTS_FILE } from '../federation/weightsOut.ts';
import { DashboardFeed } from '../dashboard/dashboardFeed.ts';
import { dashboardState } from '../dashboard/dashboardState.ts';
import { PoolObserver } from '../dashboard/poolObserver.ts';
import { dashboardToken } from '../dashboard/dashboardToken.ts';
import { createAuthenticator } from './auth.ts';
import { browserDemoRoutes } from './browserDemo.ts';
import { coreRoutes, requestHandler, type Route } from './http.ts';
import { createMetrics } from './metrics.ts';
import { ClientSession, type SessionHost } from './session.ts';
import { SocketPool } from './socketPool.ts';
import { UploadBudget } from './uploadBudget.ts';

export interface CoordinatorOptions {
  /** 0 picks a free port (see RunningCoordinator.port). */
  readonly port: number;
  /** Default 127.0.0.1: reachable from this machine only, until an operator opens it (`--host 0.0.0.0`). */
  readonly host?: string;
  /** Overrides config.checkpoint.dir. */
  readonly checkpointDir?: string;
  /** Continue from the checkpoint in the checkpoint folder (start at round 0 when there is none yet). */
  readonly resume?: boolean;
}

/** One line of /status's history: what happened in a round. */
export interface RoundSummary {
  round: number;
  testAccuracy: number;
  testLoss: number;
  trainLoss: number;
  selected: string[];
  accepted: string[];
  failed: Array<{ clientId: string; reason: string }>;
  aggregated: boolean;
  seconds: number;
  bytesUp: number;
  bytesDown: number;
  weightsChecksum: string;
  /** The geometry snapshot this round's tasks carried (GeoFed family; null before the first one exists). */
  geometry: { round: number; classes: number; bytes: number } | null;
}

export interface CoordinatorStatus {
  /** Last completed round (0 before the first). */
  round: number;
  rounds: number;
  state: 'waiting' | 'running' | 'finished';
  /** Clients connected and joined now. */
  clients: number;
  connected: Array<{ id: string; state: string; round?: number; lastSeenMs: number }>;
  lastMetrics: RoundSummary | null;
  weightsChecksum: string;
  history: RoundSummary[];
}

export interface RunningCoordinator {
  readonly port: number;
  readonly url: string;
  /** Settles when the configured rounds are done (or rejects with what stopped them). */
  readonly finished: Promise<void>;
  status(): CoordinatorStatus;
  /** The rounds so far as result.json reports them (the same contract as a simulation's). */
  report(): RunReport;
  /** Writes the current global weights into `dir` as weights.safetensors; returns the file. */
  writeWeights(dir: string): string;
  close(): Promise<void>;
}

/** How long clients have, after the end of the run is announced, to disconnect by themselves. */
const RUN_END_WAIT_MS = 5_000;

/** Reassembled uploads may exceed the model's float32 size by this much (names, shapes, metrics, framing). */
const PAYLOAD_SLACK_BYTES = 1024 * 1024;

function summarize(record: RoundRecord, checksum: string, sent: GeometrySnapshot | undefined): RoundSummary {
  const failedIds = new Set(record.failed.map((f) => f.clientId));
  return {
    round: record.round,
    testAccuracy: record.testAccuracy,
    testLoss: record.testLoss,
    trainLoss: record.trainLoss,
    selected: record.clients,
    accepted: record.clients.filter((c) => !failedIds.has(c)),
    failed: record.failed,
    aggregated: record.aggregated,
    seconds: record.seconds,
    bytesUp: record.bytesUp,
    bytesDown: record.bytesDown,
    weightsChecksum: checksum,
    geometry: sent ? { round: sent.round, classes: sent.classes.length, bytes: snapshotByteSize(sent) } : null,
  };
}

/** A round of /status's history as the round engine recorded it (result.json's rounds are built from those). */
function asRoundRecord({ selected, accepted: _accepted, geometry: _geometry, ...rest }: RoundSummary): RoundRecord {
  return { ...rest, clients: selected };
}

/** The shape of the class statistics clients send up, when the method pools them. */
function statisticsShape({ setup, dataset, model }: FederationParts): { numClasses: number; dim: number } | undefined {
  return setup.plan.collectStatistics ? { numClasses: dataset.numClasses, dim: model.embeddingDim } : undefined;
}

/**
 * The long-running coordinator: HTTP (+ socket.io) on one port, the round engine driving rounds over connected
 * clients, a checkpoint after every round. Resolves once it listens; `finished` tracks the rounds.
 */
export async function startCoordinator(config: CoordinatorConfig, options: CoordinatorOptions): Promise<RunningCoordinator> {
  const log = logger('coordinator');
  const checkpointDir = options.checkpointDir ?? config.checkpoint.dir;
  const resuming = checkCheckpointFolder(checkpointDir, options.resume === true);
  const auth = createAuthenticator(config.auth);
  const operatorToken = dashboardToken(config.dashboard);
  const tls = config.tls ? { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) } : undefined;

  const metrics = createMetrics();
  const budget = new UploadBudget(config.uploadBudgetBytes);
  const observer = new PoolObserver();
  const federation = await buildFederation({ ...config, checkpoint: { ...config.checkpoint, dir: checkpointDir } }, {
    pool(parts) {
      const { model, setup, modelSpec } = parts;
      const statistics = statisticsShape(parts);
      return new SocketPool({
        modelSpec,
        weightSpecs: model.weightSpecs,
        downloadEncoding: config.encoding.download,
        ...(setup.classifier ? { classifier: setup.classifier } : {}),
        ...(statistics ? { statistics } : {}),
        reconnectGraceMs: config.reconnectGraceSeconds * 1000,
        silenceLimitMs: Math.max(60_000, 4 * config.heartbeatSeconds * 1000),
        metrics,
        log,
      });
    },
    roundPool: (pool) => observer.observe(pool),
  });
  const { dataset, engine, pool, method, strategy, initialWeights, setup } = federation;
  const statistics = statisticsShape(federation);
  if (strategy.needsAllUpdates) {
    log.warn(
      { strategy: strategy.name, bytesPerUpdate: weightBytes(initialWeights) },
      'this strategy keeps every update of a round in memory (bounded by its maxBufferedUpdates)',
    );
  }

  let history: RoundSummary[] = [];
  if (options.resume && !resuming) log.warn({ checkpointDir }, 'no checkpoint to resume from: starting at round 0');
  if (resuming) {
    history = federation.resume<RoundSummary>();
    log.info({ round: engine.round, weightsChecksum: weightsChecksum(engine.globalWeights), checkpointDir }, 'resumed from checkpoint');
  } else {
    const initial = await federation.evaluate(engine.globalWeights);
    log.info({ testAccuracy: initial.accuracy, testLoss: initial.loss }, 'initial model evaluated');
  }
  let checksum = weightsChecksum(engine.globalWeights);
  let state: CoordinatorStatus['state'] = engine.round >= config.rounds ? 'finished' : 'waiting';

  const status = (): CoordinatorStatus => ({
    round: engine.round,
    rounds: config.rounds,
    state,
    clients: pool.connectedSessions.length,
    connected: pool.connectedSessions.map((s) => ({
      id: s.clientId,
      state: s.state,
      ...(s.workingOn !== undefined ? { round: s.workingOn } : {}),
      lastSeenMs: s.lastSeen,
    })),
    lastMetrics: history.at(-1) ?? null,
    weightsChecksum: checksum,
    history,
  });

  const dashboard = new DashboardFeed(
    () =>
      dashboardState(
        { ...status(), title: `coordinator: ${setup.plan.name} (${strategy.name}) on ${dataset.name}`, classNames: dataset.classNames, config },
        observer,
      ),
    { token: operatorToken },
  );
  const routes: Route[] = [coreRoutes(status, metrics.registry), dashboard.route()];
  if (config.browserDemo.samples > 0) routes.push(browserDemoRoutes(dataset, config.browserDemo.samples, auth));
  const handler = requestHandler(routes, log);
  const http: HttpServer = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  const io = new SocketServer(http, {
    transports: ['websocket'],
    serveClient: false,
    // socket.io drops a connection sending more than this in one message; frames between maxMessageBytes and it
    // get a Reject with the reason instead.
    maxHttpBufferSize: 2 * config.maxMessageBytes,
    // Lenient: a coordinator decoding and aggregating large updates can be slow to answer pings. Dead clients are
    // still noticed at once when their connection closes, and by the heartbeat watch otherwise.
    pingInterval: 25_000,
    pingTimeout: 60_000,
    connectTimeout: 5_000,
  });

  const host: SessionHost = {
    settings: {
      maxFrameBytes: config.maxMessageBytes,
      maxPayloadBytes: weightBytes(initialWeights) + (statistics ? statistics.numClasses * classStatsByteSize(statistics.dim) : 0) + PAYLOAD_SLACK_BYTES,
      transferIdleMs: 30_000,
      heartbeatMs: config.heartbeatSeconds * 1000,
      downloadEncoding: config.encoding.download,
      uploadEncoding: config.encoding.upload,
      method: config.method.name,
      modelType: config.model.type,
    },
    auth,
    budget,
    metrics,
    log,
    joined: (s) => pool.joined(s),
    closed: (s) => pool.closed(s),
    update: (s, envelope, bytes, release) => pool.update(s, envelope, bytes, release),
    taskRefused: (s, envelope) => pool.taskRefused(s, envelope),
  };

  // Credentials are checked at the handshake: a refused socket never reaches the frame handlers.
  io.use((socket, next) => {
    const { clientId, token } = (socket.handshake.auth ?? {}) as { clientId?: unknown; token?: unknown };
    const id = typeof clientId === 'string' ? clientId : '';
    const verdict = auth.check(id, typeof token === 'string' ? token : '');
    if (verdict.ok) {
      socket.data.clientId = id;
      next();
      return;
    }
    metrics.rejected.inc({ code: 'unauthorized' });
    log.warn({ clientId: id, address: socket.handshake.address, reason: verdict.reason }, 'connection refused');
    next(Object.assign(new Error(verdict.reason), { data: { code: 'unauthorized', reason: verdict.reason } }));
    // socket.io keeps the low-level connection open after a refused handshake; close it once the refusal is out.
    setTimeout(() => socket.conn.close(), 100).unref();
  });
  io.on('connection', (socket) => new ClientSession(socket.data.clientId as string, socket, host));

  const listenHost = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    http.once('error', (e: NodeJS.ErrnoException) =>
      reject(new GeoFedError(`cannot listen on ${listenHost}:${options.port}: ${e.code ?? e.message}`, { remedy: 'pick another --port' })),
    );
    http.listen(options.port, listenHost, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const url = `${tls ? 'https' : 'http'}://${listenHost}:${port}`;

  const stop = new AbortController();
  const finished = (async () => {
    // A resumed run must not wait for a full house again: it carries on once a round can run.
    let waitFor = (resuming ? config.resumeWaitForClients : config.waitForClients) ?? config.minClientsPerRound;
    while (engine.round < config.rounds) {
      state = 'waiting';
      if (pool.available().length < waitFor) log.info({ connected: pool.available().length, waitingFor: waitFor }, 'waiting for clients');
      await pool.waitForClients(waitFor, stop.signal);
      waitFor = config.minClientsPerRound;
      state = 'running';
      const sent = method.latestSnapshot;
      const record = await engine.runRound();
      // A round cut short by shutdown is neither recorded nor checkpointed.
      if (stop.signal.aborted) break;
      checksum = weightsChecksum(engine.globalWeights);
      const summary = summarize(record, checksum, sent);
      history.push(summary);
      federation.checkpointIfDue(history);
      metrics.roundsCompleted.set(record.round);
      metrics.roundSeconds.observe(record.seconds);
      if (Number.isFinite(record.testAccuracy)) metrics.testAccuracy.set(record.testAccuracy);
      if (Number.isFinite(record.testLoss)) metrics.testLoss.set(record.testLoss);
      log.info(summary, 'round complete');
    }
    if (stop.signal.aborted) return;
    state = 'finished';
    log.info({ round: engine.round, weightsChecksum: checksum }, 'all rounds done');
    await pool.endRun(engine.round, `all ${config.rounds} rounds done`, RUN_END_WAIT_MS);
  })();
  // The caller decides what a failed run means; an unobserved rejection must not crash the process first.
  finished.catch(() => {});

  log.info(
    { url, port, rounds: config.rounds, round: engine.round, checkpointDir, method: setup.plan.name, classifier: setup.classifier?.checksum },
    'coordinator listening',
  );
  return {
    port,
    url,
    finished,
    status,
    report: () => runReport(federation, history.map(asRoundRecord)),
    writeWeights: (dir) => federation.writeWeights(dir, FINAL_WEIGHTS_FILE),
    async close() {
      stop.abort(new GeoFedError('the coordinator is shutting down'));
      pool.shutdown();
      dashboard.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await federation.close();
    },
  };
}
