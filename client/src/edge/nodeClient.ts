import { availableParallelism, totalmem } from 'node:os';
import { io } from 'socket.io-client';
import { logger } from '@geofed/shared/log';
import type { BackendName } from '@geofed/shared/tf/backendNames';
import type { Encoding } from '@geofed/shared/wire/messages';
import { CLIENT_METHODS, CLIENT_MODEL_TYPES } from './capabilities.ts';
import { EdgeSession, type EdgeEvent } from './session.ts';
import { echoWorker } from './echoWorker.ts';
import type { EdgeWorker } from './session.ts';
import type { LocalShard } from './workers.ts';

const MiB = 1024 * 1024;

export interface NodeClientOptions {
  /** Coordinator URL, e.g. http://coordinator:8080 or https://... */
  readonly server: string;
  readonly clientId: string;
  readonly token: string;
  /** The data to train on; without it the client echoes the weights it gets (transport benchmarks). */
  readonly shard?: LocalShard;
  readonly encodings?: readonly Encoding[];
  /** Largest frame this client accepts. */
  readonly maxMessageBytes?: number;
  /** Largest task accepted after reassembly. */
  readonly maxPayloadBytes?: number;
  readonly reconnectMaxMs?: number;
  /** Stop after this long without a coordinator; 0 or unset: keep trying. */
  readonly giveUpAfterMs?: number;
  /** When the run ends, wait for the next one instead of stopping. */
  readonly stayAfterRun?: boolean;
  /** PEM certificate(s) to trust for an https coordinator with a private CA or a self-signed certificate. */
  readonly ca?: string;
  readonly backend?: BackendName;
  readonly onEvent?: (event: EdgeEvent) => void;
}

/** TensorFlow.js is only loaded by clients that train: echo clients stay small (50 of them share a benchmark box). */
async function workerFor(options: NodeClientOptions): Promise<{ worker: EdgeWorker; backend: string }> {
  if (options.shard === undefined) return { worker: echoWorker(options.clientId), backend: 'none' };
  const [{ initBackend }, { trainingWorker }] = await Promise.all([import('@geofed/shared/tf/backend'), import('./workers.ts')]);
  const info = await initBackend(options.backend);
  return { worker: trainingWorker(options.clientId, options.shard), backend: info.name };
}

/** An edge client in Node: returns the running session; `session.done` settles when it stops for good. */
export async function startNodeClient(options: NodeClientOptions): Promise<EdgeSession> {
  const log = logger('edge-client').child({ clientId: options.clientId });
  const { worker, backend } = await workerFor(options);
  const reconnectMaxMs = options.reconnectMaxMs ?? 10_000;
  const socket = io(options.server, {
    autoConnect: false,
    transports: ['websocket'],
    reconnectionDelay: 500,
    reconnectionDelayMax: reconnectMaxMs,
    randomizationFactor: 0.5,
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
  });
  const maxMessageBytes = options.maxMessageBytes ?? 4 * MiB;
  const session = new EdgeSession({
    clientId: options.clientId,
    token: options.token,
    socket,
    worker,
    capabilities: {
      encodings: [...(options.encodings ?? ['f32', 'f16', 'int8'])],
      maxMessageBytes,
      backend,
      methods: [...CLIENT_METHODS],
      modelTypes: [...CLIENT_MODEL_TYPES],
      device: {
        runtime: 'node',
        platform: `${process.platform} ${process.arch}`,
        userAgent: `node ${process.version}`,
        cpuCores: availableParallelism(),
        memoryMib: Math.floor(totalmem() / MiB),
      },
    },
    maxPayloadBytes: options.maxPayloadBytes ?? 1024 * MiB,
    log,
    reconnectMaxMs,
    ...(options.giveUpAfterMs !== undefined ? { giveUpAfterMs: options.giveUpAfterMs } : {}),
    ...(options.stayAfterRun !== undefined ? { stayAfterRun: options.stayAfterRun } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  void session.start();
  return session;
}
