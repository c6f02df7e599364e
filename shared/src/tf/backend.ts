/**
 * The one place where GeoFed picks the TensorFlow.js backend of a process (or worker thread: each has its own engine).
 *
 * Order: GEOFED_BACKEND in the environment, else the caller's preference, else `tensorflow` when
 * @tensorflow/tfjs-node can be imported, else `wasm` with GeoFed's training kernels, else `cpu`.
 *
 * Getting the native backend: @tensorflow/tfjs-node is an optionalDependency of @geofed/shared whose install script
 * downloads libtensorflow. npm 11 blocks dependency install scripts by default (`npm help install-scripts`: "Dependency
 * install scripts are blocked by default"), and `approve` only matches packages already in node_modules. So on a
 * machine with internet access, from the repo root, after `npm install`:
 *   npm install-scripts approve @tensorflow/tfjs-node && npm rebuild @tensorflow/tfjs-node
 * (approve records the package in package.json's allowScripts; rebuild runs the download).
 * Without it GeoFed quietly uses the wasm backend.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { GeoFedError } from '../errors.ts';
import { logger } from '../log.ts';
import { registerGeofedWasmKernels } from './wasmKernels/index.ts';
import { BACKEND_NAMES, type BackendName } from './backendNames.ts';

export interface BackendInfo {
  /** What GeoFed asked for; `wasm-stock` is the wasm backend without GeoFed's kernels. */
  name: BackendName;
  /** GeoFed's replacement wasm kernels are registered. */
  geofedKernels: boolean;
  /** The wasm SIMD binary is in use (false for other backends). */
  simd: boolean;
  /** The backend computes on more than one thread (wasm threads are off in Node; libtensorflow uses a pool). */
  threads: boolean;
  tfjsVersion: string;
  /** @tensorflow/tfjs-node was imported in this process. */
  tfjsNode: boolean;
}

const TFJS_NODE = '@tensorflow/tfjs-node';
const log = logger('tf-backend');

let pending: Promise<BackendInfo> | undefined;
let current: BackendInfo | undefined;

/**
 * Selects and initialises the backend once per process/thread; later calls return the first result, whatever
 * they ask for (the engine's kernels are global, so a second backend choice would silently change the first).
 */
export function initBackend(preference?: BackendName): Promise<BackendInfo> {
  pending ??= select(preference).then(
    (info) => {
      current = info;
      log.debug(info, 'tfjs backend ready');
      return info;
    },
    (err: unknown) => {
      pending = undefined;
      throw err;
    },
  );
  return pending;
}

/** The backend chosen by initBackend (for `geofed doctor` and result.json). */
export function describeBackend(): BackendInfo {
  if (!current) throw new Error('describeBackend() called before initBackend() finished');
  return { ...current };
}

async function select(preference: BackendName | undefined): Promise<BackendInfo> {
  // TF.js prints console advice (install tfjs-node) from every thread's first CPU tensor; GeoFed reports its backend
  // itself (doctor, result.json), so keep TF.js's console chatter out of the log stream unless debugging.
  if (!log.isLevelEnabled('debug')) tf.env().set('PROD', true);
  const fromEnv = isNode() ? process.env.GEOFED_BACKEND : undefined;
  const requested = fromEnv ? parseBackendName(fromEnv) : preference;
  if (requested === undefined) {
    if (await importTfjsNode()) return useTensorflow();
    try {
      return await useWasm(true);
    } catch (err) {
      log.warn({ err }, 'wasm backend unavailable, using the (slow) cpu backend');
      return useCpu();
    }
  }
  switch (requested) {
    case 'tensorflow':
      if (!(await importTfjsNode())) {
        throw new GeoFedError('the tensorflow backend needs @tensorflow/tfjs-node, which is not installed or not built', {
          remedy:
            'run `npm install-scripts approve @tensorflow/tfjs-node && npm rebuild @tensorflow/tfjs-node` with internet access, or pick GEOFED_BACKEND=wasm',
          code: 'BACKEND_UNAVAILABLE',
        });
      }
      return useTensorflow();
    case 'wasm':
      return useWasm(true);
    case 'wasm-stock':
      return useWasm(false);
    case 'cpu':
      return useCpu();
  }
}

function parseBackendName(value: string): BackendName {
  const name = value.trim().toLowerCase();
  if ((BACKEND_NAMES as readonly string[]).includes(name)) return name as BackendName;
  throw new GeoFedError(`GEOFED_BACKEND=${value} is not a backend GeoFed knows`, {
    remedy: `use one of ${BACKEND_NAMES.join(', ')}, or unset it to let GeoFed choose`,
    code: 'BAD_BACKEND',
  });
}

let tfjsNodeLoaded = false;

async function importTfjsNode(): Promise<boolean> {
  if (tfjsNodeLoaded) return true;
  try {
    // A variable specifier keeps TypeScript and bundlers from requiring the optional package.
    const specifier: string = TFJS_NODE;
    await import(specifier);
    tfjsNodeLoaded = true;
  } catch (err) {
    log.debug({ err: String(err) }, 'tfjs-node not importable');
  }
  return tfjsNodeLoaded;
}

async function activate(name: string): Promise<void> {
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (err) {
    throw new GeoFedError(`could not start the tfjs ${name} backend: ${String(err)}`, { cause: err, code: 'BACKEND_INIT' });
  }
  if (!ok) throw new GeoFedError(`could not start the tfjs ${name} backend`, { code: 'BACKEND_INIT' });
  await tf.ready();
}

function info(name: BackendName, fields: Partial<BackendInfo> = {}): BackendInfo {
  return {
    name,
    geofedKernels: false,
    simd: false,
    threads: false,
    tfjsVersion: tf.version.tfjs,
    tfjsNode: tfjsNodeLoaded,
    ...fields,
  };
}

async function useTensorflow(): Promise<BackendInfo> {
  await activate('tensorflow');
  return info('tensorflow', { threads: true });
}

async function useCpu(): Promise<BackendInfo> {
  await activate('cpu');
  return info('cpu');
}

async function useWasm(geofedKernels: boolean): Promise<BackendInfo> {
  if (isNode()) setWasmPaths(await wasmDistFolder());
  // Replacements go in before the backend starts: the backend runs each kernel's setupFunc once, at start.
  if (geofedKernels) registerGeofedWasmKernels();
  await activate('wasm');
  return info(geofedKernels ? 'wasm' : 'wasm-stock', {
    geofedKernels,
    simd: (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true,
    threads: getThreadsCount() > 1,
  });
}

function isNode(): boolean {
  return typeof process !== 'undefined' && process.versions?.node !== undefined;
}

/** The folder holding tfjs-backend-wasm's .wasm binaries; in Node they are read from disk, not fetched. */
async function wasmDistFolder(): Promise<string> {
  const [{ createRequire }, { dirname, sep }] = await Promise.all([import('node:module'), import('node:path')]);
  const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  return dirname(entry) + sep;
}
