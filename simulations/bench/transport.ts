/**
 * npm run bench:transport [-- --only echo|fmnist --clients 10,50 --rounds 3 --fmnist-rounds 20]
 *
 * 1. Transport: a coordinator and N echo-client processes (the real edge client, sending the weights back without
 *    training) on loopback, for N in {10, 50}, models of ~1M and ~10M float32 parameters, and each tensor encoding
 *    (tasks and updates both in it): seconds per round, coordinator peak RSS (VmHWM), frame bytes per round.
 * 2. Fashion-MNIST: the mlp (784-200-200-10) with FedAvg, 10 training client processes holding Dir(0.5) shards,
 *    20 rounds: test accuracy and seconds per round.
 * Writes simulations/bench/results/transport.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tsLoaderArgs } from '@geofed/shared/runtime/tsRuntime';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'simulations/bin/geofed.js');
const ECHO = join(ROOT, 'simulations/bench/lib/echoClient.ts');
const RESULTS = join(ROOT, 'simulations/bench/results/transport.md');

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const only = flag('only');
const clientCounts = (flag('clients') ?? '10,50').split(',').map(Number);
const echoRounds = Number(flag('rounds') ?? 3);
const fmnistRounds = Number(flag('fmnist-rounds') ?? 20);

/** ~1M and ~10M parameters: `head` models d -> hidden -> 10 on synthetic data of dimension d. */
const MODELS = [
  { label: '1M', dim: 100, hidden: 9000 },
  { label: '10M', dim: 1000, hidden: 9901 },
] as const;
const ENCODINGS = ['f32', 'f16', 'int8'] as const;
const token = (id: string) => `bench-token-${id}-0123456789`;
const clientId = (k: number) => `client-${String(k).padStart(4, '0')}`;
const MiB = 1024 * 1024;
const LOGS = mkdtempSync(join(tmpdir(), 'geofed-bench-transport-'));

interface Proc {
  child: ChildProcess;
  lines: string[];
  exited: Promise<unknown>;
}

const children = new Set<ChildProcess>();
const MIN_AVAILABLE_MIB = 3072;

/** The machine is shared: if free memory runs low, stop every process of the benchmark rather than risk the OOM killer. */
function memoryWatchdog(): NodeJS.Timeout {
  const timer = setInterval(() => {
    const line = readFileSync('/proc/meminfo', 'utf8').split('\n').find((l) => l.startsWith('MemAvailable:'))!;
    const available = Number(line.split(/\s+/)[1]) / 1024;
    if (available >= MIN_AVAILABLE_MIB) return;
    process.stderr.write(`bench:transport: only ${Math.round(available)} MiB of memory left, stopping every benchmark process\n`);
    for (const c of children) c.kill('SIGKILL');
    process.exit(3);
  }, 500);
  timer.unref();
  return timer;
}

/** Starts a process; its output is kept in memory and, for post-mortems, in LOGS/<name>.log. */
function start(args: string[], name: string): Proc {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, GEOFED_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(join(LOGS, `${name}.log`), { flags: 'a' });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (t: string) => {
      const parts = (rest + t).split('\n');
      rest = parts.pop()!;
      lines.push(...parts);
    });
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  void exited.then((code) => {
    if (code !== 0 && code !== null) process.stderr.write(`${name} exited with ${String(code)}:\n${lines.slice(-10).join('\n')}\n`);
  });
  return { child, lines, exited };
}

async function waitForLine(proc: Proc, pattern: RegExp, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!proc.lines.some((l) => pattern.test(l))) {
    if (Date.now() > until) throw new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${proc.lines.slice(-10).join('\n')}`);
    if (proc.child.exitCode !== null) throw new Error(`process exited before ${pattern}:\n${proc.lines.slice(-10).join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Peak resident set of a live process, from /proc (Linux). */
function peakRssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

interface RoundLog {
  round: number;
  seconds: number;
  bytesUp: number;
  bytesDown: number;
  testAccuracy: number;
  accepted: string[];
}

function roundLogs(proc: Proc): RoundLog[] {
  return proc.lines.filter((l) => l.includes('"msg":"round complete"')).map((l) => JSON.parse(l) as RoundLog);
}

async function runCoordinator(dir: string, config: Record<string, unknown>, port: number, timeoutMs: number) {
  const file = join(dir, `coordinator-${Date.now()}.yaml`);
  writeFileSync(file, stringify(config));
  const proc = start([BIN, 'coordinator', '--config', file, '--port', String(port), '--host', '127.0.0.1'], 'coordinator');
  try {
    await waitForLine(proc, /"msg":"all rounds done"/, timeoutMs);
    return { rounds: roundLogs(proc), peakRss: peakRssMiB(proc.child.pid!) };
  } finally {
    proc.child.kill('SIGTERM');
    await proc.exited;
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function echoBench(dir: string): Promise<string[]> {
  const rows: string[] = [];
  for (const n of clientCounts) {
    const port = await freePort();
    const clients = Array.from({ length: n }, (_, k) => start([...tsLoaderArgs(), ECHO, `http://127.0.0.1:${port}`, clientId(k), token(clientId(k))], clientId(k)));
    try {
      for (const model of MODELS) {
        for (const encoding of ENCODINGS) {
          const { rounds, peakRss } = await runCoordinator(
            dir,
            {
              dataset: { name: 'synthetic', dim: model.dim, trainSize: 100, testSize: 10 },
              model: { type: 'head', hidden: model.hidden },
              rounds: echoRounds,
              waitForClients: n,
              quorum: n,
              deadlineSeconds: 600,
              encoding: { download: encoding, upload: encoding },
              evaluation: { enabled: false },
              auth: { tokens: Object.fromEntries(Array.from({ length: n }, (_, k) => [clientId(k), token(clientId(k))])) },
            },
            port,
            30 * 60_000,
          );
          const complete = rounds.every((r) => r.accepted.length === n);
          const clientRss = Math.max(...clients.map((c) => peakRssMiB(c.child.pid!)));
          const params = model.dim * model.hidden + model.hidden + model.hidden * 10 + 10;
          const row =
            `| ${n} | ${model.label} (${(params / 1e6).toFixed(2)}M) | ${encoding} | ${mean(rounds.map((r) => r.seconds)).toFixed(2)} | ` +
            `${Math.round(peakRss)} | ${(mean(rounds.map((r) => r.bytesDown)) / MiB).toFixed(1)} | ${(mean(rounds.map((r) => r.bytesUp)) / MiB).toFixed(1)} | ` +
            `${complete ? 'yes' : 'NO'} | ${Math.round(clientRss)} |`;
          rows.push(row);
          process.stdout.write(`${row}\n`);
        }
      }
    } finally {
      for (const c of clients) c.child.kill('SIGTERM');
      await Promise.all(clients.map((c) => c.exited));
    }
  }
  return rows;
}

async function fmnistBench(dir: string): Promise<{ rows: string[]; clientPeakRss: number }> {
  const port = await freePort();
  const n = 10;
  const clients = Array.from({ length: n }, (_, k) =>
    start(
      [BIN, 'client', '--server', `http://127.0.0.1:${port}`, '--token', token(clientId(k)), '--dataset', 'fashion-mnist', '--clients', String(n), '--index', String(k), '--scheme', 'dirichlet', '--alpha', '0.5', '--seed', '0', '--reconnect-max-ms', '1000'],
      clientId(k),
    ),
  );
  try {
    const { rounds, peakRss } = await runCoordinator(
      dir,
      {
        dataset: 'fashion-mnist',
        model: { type: 'mlp', hidden: [200, 200] },
        rounds: fmnistRounds,
        waitForClients: n,
        local: { epochs: 1, batchSize: 32, lr: 0.05, optimizer: 'sgd' },
        strategy: { name: 'fedavg' },
        deadlineSeconds: 600,
        seed: 0,
        auth: { tokens: Object.fromEntries(Array.from({ length: n }, (_, k) => [clientId(k), token(clientId(k))])) },
      },
      port,
      120 * 60_000,
    );
    const clientPeakRss = Math.max(...clients.map((c) => peakRssMiB(c.child.pid!)));
    const rows = rounds.map((r) => `| ${r.round} | ${(100 * r.testAccuracy).toFixed(2)} | ${r.seconds.toFixed(1)} | ${r.accepted.length} |`);
    const last5 = mean(rounds.slice(-5).map((r) => r.testAccuracy));
    rows.push(`| mean of the last 5 rounds | ${(100 * last5).toFixed(2)} | | |`, `| coordinator peak RSS | ${Math.round(peakRss)} MiB | | |`);
    return { rows, clientPeakRss };
  } finally {
    for (const c of clients) c.child.kill('SIGTERM');
    await Promise.all(clients.map((c) => c.exited));
  }
}

memoryWatchdog();
const started = Date.now();
const load0 = loadavg()[0]!;
const dir = LOGS;
process.stderr.write(`bench:transport: configs and process logs in ${LOGS}\n`);
const sections: string[] = [
  '# Coordinator transport',
  '',
  `Command: \`npm run bench:transport${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\` (= \`node --import tsx simulations/bench/transport.ts\`)  `,
  `Date: ${new Date().toISOString()}  `,
  `Node ${process.version}; CPU: ${cpus()[0]?.model.trim()} (${cpus().length} cores); every process on this machine, over loopback.`,
];
if (only !== 'fmnist') {
  const rows = await echoBench(dir);
  sections.push(
    '',
    '## Echo clients',
    '',
    `Each client is its own process running the real edge client with a worker that returns the task's weights unchanged (no training). ` +
      `${echoRounds} rounds per row, all clients selected, quorum = all; tasks and updates both in the row's encoding, frames of at most 4 MiB ` +
      `(larger messages are chunked), upload budget 256 MiB. s/round is the coordinator's round time (send, receive, decode, validate, ` +
      `aggregate; no evaluation). Peak RSS is the coordinator process's VmHWM over the whole run (start-up included). Bytes are socket frame ` +
      `bytes per round over all clients.`,
    '',
    '| clients | parameters | encoding | s/round | coordinator peak RSS MiB | MiB down/round | MiB up/round | every update accepted | largest client peak RSS MiB (so far) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
  );
}
if (only !== 'echo') {
  const { rows, clientPeakRss } = await fmnistBench(dir);
  sections.push(
    '',
    `## Fashion-MNIST, mlp 784-200-200-10, FedAvg, 10 client processes, Dir(0.5), ${fmnistRounds} rounds`,
    '',
    'Each client process holds shard k of `geofed partition --clients 10 --scheme dirichlet --alpha 0.5 --seed 0` (the same shard a ' +
      'simulation with seed 0 gives client k) and trains 1 epoch of SGD (lr 0.05, batch 32) per round; test accuracy is the coordinator\'s ' +
      `evaluation of the global model on the 10,000 test images. Largest client peak RSS: ${Math.round(clientPeakRss)} MiB. ` +
      'The clients run the simulation\'s training code with the same seeds over float32 transport, so the curve should match ' +
      'the in-process simulation of the same setting (`npm run bench:fedavg`, row Dir(0.5) FedAvg, seed 0).',
    '',
    '| round | test accuracy % | s/round | updates |',
    '|---|---|---|---|',
    ...rows,
  );
}
sections.push(
  '',
  `Noise: other processes share the cores (1-minute load average ${load0.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end). ` +
    `Total time ${Math.round((Date.now() - started) / 1000)} s.`,
  '',
);
mkdirSync(join(ROOT, 'simulations/bench/results'), { recursive: true });
writeFileSync(RESULTS, sections.join('\n'));
process.stdout.write(`wrote ${RESULTS}\n`);
