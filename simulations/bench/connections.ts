/**
 * npm run bench:connections [-- --clients 1000 --processes 4 --per-round 100 --rounds 5]
 *
 * One coordinator on loopback holding many concurrent socket.io clients: light echo clients (the real edge session,
 * sending the weights back without training) opened from a few processes, a small model, a fixed number selected per
 * round. Measures the coordinator's memory per connection (resident memory with every client joined, less before
 * any), seconds per round, and whether heartbeats keep every client (connected count from /metrics after the last
 * round, nobody dropped). Bounded: every wait has a time limit and every process is stopped at the end.
 * Writes simulations/bench/results/connections.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tsLoaderArgs } from '@geofed/shared/runtime/tsRuntime';
import { benchClientId, benchToken } from './lib/benchClients.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'simulations/bin/geofed.js');
const SWARM = join(ROOT, 'simulations/bench/lib/echoSwarm.ts');
const RESULTS = join(ROOT, 'simulations/bench/results/connections.md');

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const CLIENTS = flag('clients', 1000);
const PROCESSES = flag('processes', 4);
const PER_ROUND = flag('per-round', 100);
const ROUNDS = flag('rounds', 5);
const HEARTBEAT_SECONDS = 5;
const TIME_LIMIT_MS = 10 * 60_000;
const MiB = 1024 * 1024;

const children: ChildProcess[] = [];
function start(args: string[]): { child: ChildProcess; lines: string[] } {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, GEOFED_LOG_LEVEL: 'info', GEOFED_LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = '';
    stream.setEncoding('utf8').on('data', (t: string) => {
      const parts = (rest + t).split('\n');
      rest = parts.pop()!;
      lines.push(...parts);
    });
  }
  return { child, lines };
}

const stopAll = () => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL'));
process.on('exit', stopAll);
setTimeout(() => {
  process.stderr.write(`bench:connections: not done within ${TIME_LIMIT_MS / 60_000} minutes, stopping\n`);
  process.exit(2);
}, TIME_LIMIT_MS).unref();

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function status(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`))!;
  return (Number(line.split(/\s+/)[1]) * 1024) / MiB;
}

async function connected(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('geofed_clients_connected '));
  return line ? Number(line.split(' ')[1]) : 0;
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface RoundLog {
  round: number;
  seconds: number;
  accepted: string[];
  failed?: unknown[];
}

const dir = mkdtempSync(join(tmpdir(), 'geofed-bench-connections-'));
const port = await freePort();
const configFile = join(dir, 'coordinator.yaml');
const ids = Array.from({ length: CLIENTS }, (_, k) => benchClientId(k));
writeFileSync(
  configFile,
  stringify({
    dataset: { name: 'synthetic', dim: 16, trainSize: 100, testSize: 10 },
    model: { type: 'head', hidden: 32 },
    rounds: ROUNDS,
    waitForClients: CLIENTS,
    clientsPerRound: PER_ROUND,
    quorum: PER_ROUND,
    deadlineSeconds: 120,
    heartbeatSeconds: HEARTBEAT_SECONDS,
    evaluation: { enabled: false },
    auth: { tokens: Object.fromEntries(ids.map((id) => [id, benchToken(id)])) },
  }),
);
const coordinator = start([BIN, 'coordinator', '--config', configFile, '--port', String(port), '--host', '127.0.0.1']);
const pid = coordinator.child.pid!;
await until('the coordinator to listen', async () => (await connected(port).catch(() => undefined)) === 0 || undefined, 120_000);
const idleMiB = status(pid, 'VmRSS');
const connectStarted = Date.now();
const share = Math.ceil(CLIENTS / PROCESSES);
const swarms = Array.from({ length: PROCESSES }, (_, p) =>
  start([...tsLoaderArgs(), SWARM, `http://127.0.0.1:${port}`, String(p * share), String(Math.max(0, Math.min(share, CLIENTS - p * share)))]),
);
await until('every client to join', async () => ((await connected(port)) >= CLIENTS ? true : undefined), 5 * 60_000);
const connectSeconds = (Date.now() - connectStarted) / 1000;
const joinedMiB = status(pid, 'VmRSS');
const rounds = await until(
  'every round',
  () => {
    const logs = coordinator.lines.filter((l) => l.includes('"msg":"round complete"')).map((l) => JSON.parse(l) as RoundLog);
    return logs.length >= ROUNDS ? logs : undefined;
  },
  5 * 60_000,
);
// Rounds run while the others idle on heartbeats only; a dropped connection would show here.
const connectedAtEnd = await connected(port);
const peakMiB = status(pid, 'VmHWM');
const swarmMiB = swarms.map((s) => status(s.child.pid!, 'VmHWM'));
stopAll();

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const row =
  `| ${CLIENTS} | ${PROCESSES} | ${PER_ROUND} | ${connectSeconds.toFixed(1)} | ${idleMiB.toFixed(0)} | ${joinedMiB.toFixed(0)} | ` +
  `${(((joinedMiB - idleMiB) * 1024) / CLIENTS).toFixed(1)} | ${peakMiB.toFixed(0)} | ${mean(rounds.map((r) => r.seconds)).toFixed(2)} | ` +
  `${Math.max(...rounds.map((r) => r.seconds)).toFixed(2)} | ${rounds.map((r) => r.accepted.length).join('/')} | ${connectedAtEnd} | ${Math.round(mean(swarmMiB))} |`;
const table = [
  '# One coordinator, many edge connections',
  '',
  `Command: \`npm run bench:connections -- --clients ${CLIENTS} --processes ${PROCESSES} --per-round ${PER_ROUND} --rounds ${ROUNDS}\``,
  `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load average ${loadavg()[0]!.toFixed(1)} at the end, shared with other jobs, so times are noisy.`,
  `Echo clients (the real edge session, weights sent back untrained), model \`head\` 16 -> 32 -> 10, heartbeat every ${HEARTBEAT_SECONDS} s (${(CLIENTS / HEARTBEAT_SECONDS).toFixed(0)} heartbeats/s at the coordinator).`,
  '',
  '| clients | client processes | selected per round | all joined after (s) | coordinator RSS idle (MiB) | RSS all joined (MiB) | KiB per connection | coordinator peak (MiB) | s/round mean | s/round max | accepted per round | connected after last round | RSS per client process (MiB) |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  row,
  '',
].join('\n');
writeFileSync(RESULTS, table);
process.stdout.write(`${table}\nwrote ${RESULTS}\n`);
process.exit(0);
