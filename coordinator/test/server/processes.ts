import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { CoordinatorStatus } from '@geofed/coordinator/server/coordinator';

/**
 * Real `geofed coordinator` and `geofed client` processes for the integration tests: started on loopback with
 * free ports, their output kept line by line, every wait bounded, every process killed by `killAll`.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'simulations/bin/geofed.js');

export interface Proc {
  readonly child: ChildProcess;
  readonly name: string;
  /** stdout and stderr lines so far. */
  readonly lines: string[];
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
}

const running = new Set<Proc>();

export function spawnGeofed(name: string, args: readonly string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    // The tests read the processes' structured records, so they ask for JSON lines.
    env: { ...process.env, GEOFED_LOG_LEVEL: 'info', GEOFED_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  const collect = (stream: NodeJS.ReadableStream) => {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (text: string) => {
      const parts = (rest + text).split('\n');
      rest = parts.pop()!;
      lines.push(...parts);
      for (const l of listeners) l();
    });
  };
  collect(child.stdout!);
  collect(child.stderr!);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const proc: Proc & { listeners: Set<() => void> } = { child, name, lines, exited, listeners };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return proc;
}

/** Waits for a line matching `pattern` (already printed or still to come); returns its match. */
export function waitForLine(proc: Proc, pattern: RegExp, timeoutMs: number, from = 0): Promise<RegExpMatchArray> {
  const { listeners } = proc as Proc & { listeners: Set<() => void> };
  return new Promise((resolve, reject) => {
    let scanned = from;
    const check = (): boolean => {
      for (; scanned < proc.lines.length; scanned++) {
        const m = proc.lines[scanned]!.match(pattern);
        if (m) {
          done();
          resolve(m);
          return true;
        }
      }
      return false;
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${proc.name}: no line matching ${pattern} within ${timeoutMs} ms; last lines:\n${proc.lines.slice(-15).join('\n')}`));
    }, timeoutMs);
    const onExit = () => {
      if (check()) return;
      done();
      reject(new Error(`${proc.name} exited before printing ${pattern}; last lines:\n${proc.lines.slice(-15).join('\n')}`));
    };
    const done = () => {
      clearTimeout(timer);
      listeners.delete(listener);
      proc.child.off('exit', onExit);
    };
    const listener = () => void check();
    if (check()) return;
    listeners.add(listener);
    proc.child.once('exit', onExit);
  });
}

/** The structured (pino JSON) log records a process wrote so far. */
export function logRecords(proc: Proc): Array<Record<string, unknown>> {
  return proc.lines.flatMap((l) => {
    if (!l.startsWith('{')) return [];
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

export async function killAll(): Promise<void> {
  const all = [...running];
  for (const p of all) p.child.kill('SIGKILL');
  await Promise.all(all.map((p) => p.exited));
}

export async function kill(proc: Proc, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  proc.child.kill(signal);
  await proc.exited;
}

/** Polls until `probe` returns a value other than undefined; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** `promise`, or a rejection naming `what` once `timeoutMs` pass. */
export function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `geofed-${prefix}-`));
}

export interface CoordinatorProc extends Proc {
  readonly port: number;
  readonly url: string;
}

/** Writes `config` as YAML into `dir` and starts a coordinator on a free loopback port. */
export async function startCoordinatorProcess(
  dir: string,
  config: Record<string, unknown>,
  { args = [], port = 0, name = 'coordinator' }: { args?: readonly string[]; port?: number; name?: string } = {},
): Promise<CoordinatorProc> {
  const file = join(dir, 'coordinator.yaml');
  writeFileSync(file, stringify(config));
  const proc = spawnGeofed(name, ['coordinator', '--config', file, '--port', String(port), '--host', '127.0.0.1', ...args]);
  const [, listening] = await waitForLine(proc, /listening on \S+ \(port (\d+)\)/, 90_000);
  return Object.assign(proc, { port: Number(listening), url: `http://127.0.0.1:${listening}` });
}

export interface ClientArgs {
  readonly url: string;
  readonly index: number;
  readonly clients: number;
  readonly token: string;
  readonly extra?: readonly string[];
}

export function startClientProcess({ url, index, clients, token, extra = [] }: ClientArgs): Proc {
  return spawnGeofed(`client ${index}`, [
    'client',
    '--server',
    url,
    '--token',
    token,
    '--dataset',
    'synthetic',
    '--clients',
    String(clients),
    '--index',
    String(index),
    '--reconnect-max-ms',
    '1000',
    ...extra,
  ]);
}

export async function fetchStatus(url: string): Promise<CoordinatorStatus> {
  const res = await fetch(`${url}/status`);
  if (!res.ok) throw new Error(`/status answered ${res.status}`);
  return (await res.json()) as CoordinatorStatus;
}

/** Tokens for client-0000 ... in the coordinator config and on the clients' command lines. */
export function tokenFor(clientId: string): string {
  return `test-token-${clientId}-0123456789`;
}
