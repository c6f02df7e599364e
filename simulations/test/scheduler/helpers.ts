import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { Cancellations } from '../../src/scheduler/cancellations.ts';
import { connectRedis } from '../../src/scheduler/redisConnection.ts';
import { openQueue, type SimulationQueue } from '../../src/scheduler/schedulerQueue.ts';
import { loadSweep } from '../../src/scheduler/sweep.ts';
import { SweepProducer, type SubmitOutcome } from '../../src/scheduler/sweepProducer.ts';
import { SweepRegistry } from '../../src/scheduler/sweepRegistry.ts';
import { SweepStatus, type StatusReport } from '../../src/scheduler/sweepStatus.ts';

/**
 * Scheduler tests run real `geofed` processes against a real Redis. Each test gets its own key prefix and folder
 * and removes only its own keys; every wait is bounded.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'simulations/bin/geofed.js');
export const SHARED_REDIS = 'redis://127.0.0.1:6379';

/** A few-second run: tiny synthetic data, a small head, three clients. */
const BASE = `dataset: { name: synthetic, numClasses: 3, dim: 8, trainSize: 240, testSize: 90 }
model: { type: head, hidden: 16 }
clients: 3
rounds: 2
`;

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface GeofedWorker {
  readonly child: ChildProcess;
  /** stderr so far (for failure messages). */
  output(): string;
  /** pids of the worker's run processes (one per active job). */
  runProcesses(): number[];
}

/** One test's world: a unique key prefix, a scratch folder with a base config, a Redis connection. */
export class Scenario {
  readonly prefix = `geofed-test-${Math.random().toString(36).slice(2, 10)}`;
  readonly dir = mkdtempSync(join(tmpdir(), 'geofed-scheduler-'));
  readonly resultsDir = join(this.dir, 'results');
  private readonly workers: GeofedWorker[] = [];
  private connection: { redis: Redis; queue: SimulationQueue } | undefined;

  constructor(readonly redisUrl = SHARED_REDIS) {
    writeFileSync(join(this.dir, 'base.yaml'), BASE);
  }

  get env(): NodeJS.ProcessEnv {
    return { ...process.env, REDIS_URL: this.redisUrl, GEOFED_QUEUE_PREFIX: this.prefix, GEOFED_RESULTS_DIR: this.resultsDir, GEOFED_LOG_LEVEL: 'info' };
  }

  /** Writes `<name>.yaml` with the base config and this grid (YAML lines under `grid:`). */
  sweep(name: string, grid: string): string {
    const file = join(this.dir, `${name}.yaml`);
    writeFileSync(file, `base: base.yaml\ngrid:\n${grid}\n`);
    return file;
  }

  geofed(args: readonly string[], timeoutMs = 60_000): Promise<CliRun> {
    return new Promise((resolve, reject) => {
      execFile(process.execPath, [BIN, ...args], { cwd: this.dir, env: this.env, timeout: timeoutMs }, (error, stdout, stderr) => {
        if (error?.killed) reject(new Error(`geofed ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stderr}`));
        else resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
    });
  }

  /** Starts `geofed worker` and waits until it takes jobs. */
  async startWorker(args: readonly string[] = [], timeoutMs = 60_000): Promise<GeofedWorker> {
    const child = spawn(process.execPath, [BIN, 'worker', ...args], { cwd: this.dir, env: this.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const worker: GeofedWorker = {
      child,
      output: () => stderr,
      runProcesses: () =>
        childrenOf(child.pid!).filter((pid) => readProc(pid, 'cmdline').includes('runProcessEntry')),
    };
    this.workers.push(worker);
    await waitFor(
      'the worker to start',
      async () => {
        if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}:\n${stderr}`);
        return stderr.includes('taking jobs from') ? true : undefined;
      },
      timeoutMs,
    );
    return worker;
  }

  async redis(): Promise<{ redis: Redis; queue: SimulationQueue }> {
    if (!this.connection) {
      const redis = await connectRedis(this.redisUrl, 'command');
      this.connection = { redis, queue: openQueue(redis, this.prefix) };
    }
    return this.connection;
  }

  /** Drops the connection (the command role never reconnects by itself); the next use opens a new one. */
  forgetConnection(): void {
    this.connection?.redis.disconnect();
    this.connection = undefined;
  }

  /** Submits in-process, as `geofed jobs submit` does. */
  async submit(file: string): Promise<SubmitOutcome> {
    const { redis, queue } = await this.redis();
    return new SweepProducer(queue, new Cancellations(redis, this.prefix), new SweepRegistry(redis, this.prefix)).submit(loadSweep(file), {
      attempts: 3,
      backoffSeconds: 1,
    });
  }

  async status(sweep: string): Promise<StatusReport> {
    return new SweepStatus((await this.redis()).queue).report(sweep);
  }

  async waitCompleted(sweep: string, jobs: number, timeoutMs: number): Promise<StatusReport> {
    return waitFor(
      `${jobs} completed jobs in sweep ${sweep}`,
      async () => {
        const report = await this.status(sweep);
        if (report.failed > 0) throw new Error(`a job failed: ${JSON.stringify(report.jobs.filter((j) => j.bucket === 'failed'))}`);
        return report.completed === jobs ? report : undefined;
      },
      timeoutMs,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\nworker output:\n${this.workerOutput()}`);
    });
  }

  private workerOutput(): string {
    return this.workers.map((w) => `[worker ${w.child.pid}]\n${w.output().slice(-3000)}`).join('\n');
  }

  /** Every key under this test's prefix. */
  async keys(): Promise<string[]> {
    const { redis } = await this.redis();
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return keys;
  }

  /** Kills this test's workers and deletes this test's keys and folder (never anything else). */
  async cleanUp(): Promise<void> {
    await Promise.all(this.workers.map((w) => stopProcess(w.child)));
    if (this.connection) {
      const keys = await this.keys().catch(() => []);
      if (keys.length > 0) await this.connection.redis.del(...keys);
      await this.connection.queue.close();
      this.connection.redis.disconnect();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function readProc(pid: number, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}

function childrenOf(pid: number): number[] {
  return readProc(pid, `task/${pid}/children`)
    .split(' ')
    .filter(Boolean)
    .map(Number);
}

/** Gone, or a zombie nobody has reaped yet: either way it runs no more code. */
export function hasExited(pid: number): boolean {
  const stat = readProc(pid, 'stat');
  return stat === '' || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await Promise.race([exited, new Promise((_, reject) => setTimeout(() => reject(new Error(`pid ${child.pid} did not exit`)), timeoutMs))]);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A throwaway redis-server on a free port, so a test can stop and start it: without persistence, or with the
 * append-only file (fsync on every write) in a folder of its own.
 */
export class ThrowawayRedis {
  private process: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'geofed-redis-'));

  private constructor(
    readonly port: number,
    private readonly appendOnly: boolean,
  ) {}

  static async start({ appendOnly = false }: { appendOnly?: boolean } = {}): Promise<ThrowawayRedis> {
    const redis = new ThrowawayRedis(await freePort(), appendOnly);
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    const persistence = this.appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', ...persistence], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.process = child;
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (text: string) => (output += text));
    await waitFor(
      `redis-server on port ${this.port}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`redis-server exited:\n${output}`);
        return output.includes('Ready to accept connections') ? true : undefined;
      },
      10_000,
    );
  }

  /** `SIGKILL` is Redis going away at once (a crash, a lost machine); the default stops it cleanly. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.process) await stopProcess(this.process, signal);
  }

  /** Stops it and removes its folder. */
  async remove(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
