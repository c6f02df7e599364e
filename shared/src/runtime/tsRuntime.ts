import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * GeoFed runs either as compiled JavaScript (<package>/dist/, built at `npm ci`) or, in a checkout being edited and
 * in the tests, as TypeScript sources through tsx. Worker threads and child processes must run the same kind of
 * module as the code starting them: entries are named by `siblingModule`, and only TypeScript entries get tsx's
 * loader (given by absolute URL, so it works from any directory; production installs have no tsx).
 */

/** The module `name` (no extension) beside `base` (the caller's import.meta.url), compiled or source like the caller. */
export function siblingModule(name: string, base: string): URL {
  return new URL(`${name}${base.endsWith('.ts') ? '.ts' : '.js'}`, base);
}

export function tsLoaderArgs(): string[] {
  return ['--import', import.meta.resolve('tsx')];
}

/** Node options a child process needs to run `entry`. */
export function execArgvFor(entry: URL): string[] {
  return entry.pathname.endsWith('.ts') ? tsLoaderArgs() : [];
}

/**
 * A worker thread running `entry`. Node 20 loads a worker's entry before `--import` hooks are in place, so for a
 * TypeScript entry a tiny JavaScript stub registers tsx first and then imports the real entry.
 */
export function startModuleWorker(entry: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const api = import.meta.resolve('tsx/esm/api');
  const stub = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(stub, { ...options, eval: true });
}
