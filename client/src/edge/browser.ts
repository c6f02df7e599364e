import * as tf from '@tensorflow/tfjs';
import { io } from 'socket.io-client';
import type { DemoData } from '@geofed/shared/data/demoData';
import { CLIENT_METHODS, CLIENT_MODEL_TYPES } from './capabilities.ts';
import { shardFromDemoData } from './demoData.ts';
import { EdgeSession, type EdgeEvent, type EdgeLog } from './session.ts';
import { trainingWorker } from './workers.ts';

/**
 * The browser build's entry (bundled by scripts/build-browser.mjs as the global `GeoFedClient`): trains with
 * TF.js on the cpu backend, which works everywhere including headless browsers without a GPU, on the demo rows
 * the coordinator serves at /client/data.
 */

export interface BrowserClientOptions {
  readonly clientId: string;
  readonly token: string;
  /** Coordinator URL; default: the page's origin. */
  readonly server?: string;
  readonly onEvent?: (event: EdgeEvent) => void;
  readonly log?: EdgeLog;
}

const consoleLog: EdgeLog = {
  info: (fields, message) => console.info(message, fields),
  warn: (fields, message) => console.warn(message, fields),
  error: (fields, message) => console.error(message, fields),
};

/**
 * The trainer yields to the event loop with Node's setImmediate between steps; browsers lack it, so a macrotask
 * through a MessageChannel stands in (setTimeout(0) is clamped to 4 ms once nested).
 */
function provideSetImmediate(): void {
  const scope = globalThis as unknown as { setImmediate?: (fn: () => void) => void };
  if (typeof scope.setImmediate === 'function') return;
  const channel = new MessageChannel();
  const queue: Array<() => void> = [];
  channel.port1.onmessage = () => queue.shift()?.();
  scope.setImmediate = (fn) => {
    queue.push(fn);
    channel.port2.postMessage(undefined);
  };
}

export async function startBrowserClient(options: BrowserClientOptions): Promise<EdgeSession> {
  provideSetImmediate();
  await tf.setBackend('cpu');
  await tf.ready();
  const server = options.server ?? location.origin;
  const response = await fetch(`${server}/client/data?clientId=${encodeURIComponent(options.clientId)}`, {
    headers: { authorization: `Bearer ${options.token}` },
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: string };
    throw new Error(`the coordinator did not serve demo data (${response.status}): ${body.error ?? response.statusText}`);
  }
  const shard = shardFromDemoData((await response.json()) as DemoData);
  const socket = io(server, { autoConnect: false, transports: ['websocket'], reconnectionDelayMax: 10_000 });
  const session = new EdgeSession({
    clientId: options.clientId,
    token: options.token,
    socket,
    worker: trainingWorker(options.clientId, shard),
    capabilities: {
      encodings: ['f32', 'f16', 'int8'],
      maxMessageBytes: 4 * 1024 * 1024,
      backend: tf.getBackend(),
      methods: [...CLIENT_METHODS],
      modelTypes: [...CLIENT_MODEL_TYPES],
      device: {
        runtime: 'browser',
        platform: navigator.platform,
        userAgent: navigator.userAgent,
        cpuCores: navigator.hardwareConcurrency || 0,
        memoryMib: 0,
      },
    },
    maxPayloadBytes: 256 * 1024 * 1024,
    log: options.log ?? consoleLog,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  void session.start();
  return session;
}
