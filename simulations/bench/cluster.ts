/**
 * npm run bench:cluster [-- --rounds 2]
 *
 * 1. Fashion-MNIST FedAvg (MLP 784-200-200-10, IID, 1 local epoch, every client every round) with 10 and with 100
 *    clients: in one process, and spread over 1 and 2 `geofed worker` processes through Redis (loopback, a private key
 *    prefix): seconds per round, final accuracy, Redis bytes per round (the task published once; the results: one
 *    partial aggregate per job, and for contrast the 100 individual updates with partialAggregates=false).
 * 2. The 100,000-client config (simulations/configs/fmnist-100k-clients.yaml, one round): seconds until round 1
 *    can start (data, partition, model) and the coordinator's peak memory.
 * This machine has 2 cores shared with other jobs, so workers compete with the coordinator and with each other:
 * the overhead is reported as measured, not the speed-up more machines would give. Writes results/cluster.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { benchArgs, runInChild } from './lib/runGrid.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'simulations/bin/geofed.js');
const IID = join(ROOT, 'simulations/configs/fmnist-iid.yaml');
const MANY = join(ROOT, 'simulations/configs/fmnist-100k-clients.yaml');
const RESULTS = join(ROOT, 'simulations/bench/results/cluster.md');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `geofed-bench-cluster-${Math.random().toString(36).slice(2, 8)}`;
const args = benchArgs(process.argv.slice(2), { seeds: [0], rounds: 2 });
const MiB = 1024 * 1024;

const workers: ChildProcess[] = [];
process.on('exit', () => workers.forEach((w) => w.exitCode === null && w.kill('SIGKILL')));

/** Starts a `geofed worker` on the bench's prefix and waits until it takes jobs (bounded). */
function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'worker'], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL, GEOFED_QUEUE_PREFIX: PREFIX, GEOFED_RESULTS_DIR: mkdtempSync(join(tmpdir(), 'geofed-bench-cluster-')) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  workers.push(child);
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`a worker did not start within 5 minutes:\n${stderr}`)), 5 * 60_000);
    child.stderr!.setEncoding('utf8').on('data', (t: string) => {
      stderr += t;
      if (stderr.includes('taking jobs from')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`a worker exited with ${String(code)}:\n${stderr}`)));
  });
}

async function stopWorkers(): Promise<void> {
  await Promise.all(workers.splice(0).map((w) => new Promise((resolve) => (w.exitCode !== null ? resolve(null) : (w.once('exit', resolve), w.kill('SIGTERM'))))));
}

interface Row {
  setting: string;
  where: string;
  secondsPerRound: number;
  accuracy: number;
  taskBytes: number;
  resultBytes: number;
}

const rows: Row[] = [];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function measure(setting: string, where: string, overrides: string[]): Promise<void> {
  const result = await runInChild({ label: `${setting}, ${where}`, config: IID, overrides: [...overrides, `rounds=${args.rounds}`, 'threads=1', 'evaluation.personalization.epochs=0'] }, args.seeds[0]!);
  rows.push({
    setting,
    where,
    secondsPerRound: mean(result.rounds.map((r) => r.seconds)),
    accuracy: result.final.testAccuracy,
    taskBytes: mean(result.rounds.map((r) => r.bytesDown)),
    resultBytes: mean(result.rounds.map((r) => r.bytesUp)),
  });
  process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
}

const cluster = (jobs: number) => [`cluster.url=${REDIS_URL}`, `cluster.prefix=${PREFIX}`, `cluster.jobsPerRound=${jobs}`];
for (const clients of [10, 100]) {
  const setting = `${clients} clients`;
  const size = [`clients=${clients}`, 'fractionPerRound=1'];
  await measure(setting, 'in-process', size);
  await startWorker();
  await measure(setting, '1 worker process', [...size, ...cluster(1)]);
  await startWorker();
  await measure(setting, '2 worker processes', [...size, ...cluster(2)]);
  if (clients === 100) await measure(setting, '2 worker processes, individual updates', [...size, ...cluster(2), 'cluster.partialAggregates=false']);
  await stopWorkers();
}

/** Seconds until the 100,000-client run is ready for round 1, and its peak resident memory (GNU time). */
function manyClients(): Promise<{ readySeconds: number; peakMiB: number; clients: number }> {
  const out = mkdtempSync(join(tmpdir(), 'geofed-bench-100k-'));
  const started = Date.now();
  const child = spawn('/usr/bin/time', ['-f', 'peak-kib %M', process.execPath, BIN, '--log-format', 'json', 'simulate', '--config', MANY, '--set', 'rounds=1', '--set', 'evaluation.personalization.epochs=0', '--out', out], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  let readySeconds = Number.NaN;
  let clients = 0;
  const scan = (t: string) => {
    text += t;
    const line = text.split('\n').find((l) => l.includes('"msg":"simulation starts"'));
    if (line && Number.isNaN(readySeconds)) {
      readySeconds = (Date.now() - started) / 1000;
      clients = (JSON.parse(line) as { clients: number }).clients;
    }
  };
  child.stdout!.setEncoding('utf8').on('data', scan);
  child.stderr!.setEncoding('utf8').on('data', scan);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const peak = /peak-kib (\d+)/.exec(text);
      if (code !== 0 || !peak) reject(new Error(`the 100,000-client run failed (exit ${String(code)}):\n${text.slice(-2000)}`));
      else resolve({ readySeconds, peakMiB: (Number(peak[1]) * 1024) / MiB, clients });
    });
  });
}
const many = await manyClients();

const redis = new Redis(REDIS_URL);
const keys: string[] = [];
let cursor = '0';
do {
  const [next, batch] = await redis.scan(cursor, 'MATCH', `${PREFIX}:*`, 'COUNT', 1000);
  keys.push(...batch);
  cursor = next;
} while (cursor !== '0');
if (keys.length > 0) await redis.del(...keys);
redis.disconnect();

const kib = (b: number) => (b / 1024).toFixed(0);
const table = [
  '# bench:cluster',
  '',
  `Command: \`npm run bench:cluster -- --rounds ${args.rounds}\`  `,
  `Date: ${new Date().toISOString().slice(0, 10)}; Node ${process.version}; ${cpus()[0]?.model} x ${cpus().length}, load average ${loadavg()[0]!.toFixed(1)} at the end (shared with other jobs: times are noisy).`,
  'Fashion-MNIST, IID, MLP 784-200-200-10 (199,210 parameters, 778 KiB as float32), FedAvg, every client every round, 1 local epoch, batch 32, seed 0.',
  'Workers run on the same 2 cores as the coordinator, so a cluster row shows the overhead of the queue, not a speed-up.',
  '',
  '| setting | clients trained by | s/round | final accuracy | Redis bytes per round: task (KiB) | results (KiB) |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.setting} | ${r.where} | ${r.secondsPerRound.toFixed(2)} | ${(100 * r.accuracy).toFixed(2)}% | ${r.taskBytes ? kib(r.taskBytes) : '-'} | ${r.resultBytes && r.where !== 'in-process' ? kib(r.resultBytes) : '-'} |`),
  '',
  'In-process rows have no Redis traffic. With partial aggregates a round moves one task and one aggregate per job, whatever the clients per job (10 or 100);',
  'with individual updates the results grow with the clients.',
  '',
  '| 100,000 clients (Dirichlet 0.5, minSize 0, Fashion-MNIST) | value |',
  '|---|---|',
  `| clients configured / holding data (the others are never sampled) | 100000 / ${many.clients} |`,
  `| seconds from start to round 1 (TF.js, data, partition, model) | ${many.readySeconds.toFixed(1)} |`,
  `| peak resident memory of the whole run (1 round of 100 clients) | ${many.peakMiB.toFixed(0)} MiB |`,
  '',
].join('\n');
writeFileSync(RESULTS, table);
process.stdout.write(`${table}\nwrote ${RESULTS}\n`);
process.exit(0);
