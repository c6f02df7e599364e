import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * GeoFed runs its TypeScript sources through tsx. Worker threads and child processes do not inherit a loader
 * registered in-process, so each is started with tsx's loader given by absolute URL (works from any directory).
 */
export function tsLoaderArgs(): string[] {
  return ['--import', import.meta.resolve('tsx')];
}

/**
 * A worker thread running a TypeScript module. Node 20 loads a worker's entry before `--import` hooks are in
 * place, so a tiny JavaScript stub registers tsx first and then imports the real entry.
 */
export function startTsWorker(entry: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const api = import.meta.resolve('tsx/esm/api');
  const stub = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(stub, { ...options, eval: true });
}
