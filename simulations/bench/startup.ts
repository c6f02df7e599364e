/**
 * npm run bench:startup [-- --repeats 3] [--label NAME] [--root DIR]
 * Wall-clock seconds from starting a `geofed` process to: `--help` printed, `partition` done (Fashion-MNIST,
 * 10 clients, Dirichlet 0.1) and the demo's first round finished (its round record on stderr). Each command runs in
 * a fresh process, `repeats` times interleaved; the median and the best are reported, since other work on the machine
 * only ever slows a start down. The table goes to stdout and into results/startup.md under `## NAME`, so tables
 * taken before and after a change sit side by side. `--root` measures another checkout's bin/geofed.js.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { repeats: { type: 'string', default: '3' }, label: { type: 'string', default: 'current' }, root: { type: 'string' } },
});
const repeats = Number(values.repeats);
const root = resolve(values.root ?? new URL('../..', import.meta.url).pathname);
const BIN = join(root, 'simulations/bin/geofed.js');
const RESULTS = new URL('./results/startup.md', import.meta.url).pathname;

interface Probe {
  readonly name: string;
  readonly args: (out: string) => string[];
  /** When the probe has seen what it waits for; undefined waits for the process to exit 0. */
  readonly done?: (stderrLine: string) => boolean;
}

const firstRound = (line: string): boolean => {
  if (!line.startsWith('{')) return false;
  const record = JSON.parse(line) as { msg?: string; round?: number };
  return record.msg === 'round complete' && record.round === 1;
};

const PROBES: readonly Probe[] = [
  { name: 'geofed --help', args: () => ['--help'] },
  { name: 'geofed partition --clients 10 --alpha 0.1', args: () => ['partition', '--clients', '10', '--alpha', '0.1'] },
  { name: 'geofed demo: first round done', args: (out) => ['demo', '--rounds', '1', '--out', out], done: firstRound },
];

function timeOnce(probe: Probe): Promise<number> {
  const out = mkdtempSync(join(tmpdir(), 'geofed-startup-'));
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, ...probe.args(out)], {
    cwd: root,
    env: { ...process.env, GEOFED_LOG_FORMAT: 'json', GEOFED_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  return new Promise<number>((resolvePromise, reject) => {
    let rest = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      stderr += text;
      const lines = (rest + text).split('\n');
      rest = lines.pop()!;
      if (probe.done && lines.some(probe.done)) {
        resolvePromise((performance.now() - started) / 1000);
        child.kill('SIGKILL');
      }
    });
    child.once('exit', (code, signal) => {
      rmSync(out, { recursive: true, force: true });
      if (probe.done) {
        if (signal !== 'SIGKILL') reject(new Error(`${probe.name} ended (${code ?? signal}) before its first round:\n${stderr}`));
      } else if (code === 0) resolvePromise((performance.now() - started) / 1000);
      else reject(new Error(`${probe.name} exited with ${code ?? signal}:\n${stderr}`));
    });
  });
}

const seconds = new Map<string, number[]>(PROBES.map((p) => [p.name, []]));
const loadBefore = loadavg()[0]!;
for (let rep = 0; rep < repeats; rep++) {
  for (const probe of PROBES) seconds.get(probe.name)!.push(await timeOnce(probe));
}
const loadAfter = loadavg()[0]!;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const compiled = existsSync(join(root, 'simulations/dist/cli/main.js'));
const table = [
  `## ${values.label}`,
  '',
  `Command: \`npm run bench:startup -- --repeats ${repeats} --label '${values.label}'${values.root ? ` --root ${values.root}` : ''}\`  `,
  `Date: ${new Date().toISOString().slice(0, 16)}Z; Node ${process.version}; ${cpus()[0]?.model ?? 'cpu'} x ${cpus().length}; ` +
    `load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after; ${compiled ? 'compiled JavaScript (dist/)' : 'TypeScript sources through tsx'}.`,
  '',
  '| command | runs | median s | best s |',
  '|---|---|---|---|',
  ...PROBES.map((p) => {
    const xs = seconds.get(p.name)!;
    return `| ${p.name} | ${xs.length} | ${median(xs).toFixed(2)} | ${Math.min(...xs).toFixed(2)} |`;
  }),
  '',
].join('\n');
process.stdout.write(`${table}\n`);

// One section per label: re-running a label replaces its table, other labels stay.
const previous = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '# bench:startup\n\n';
const sections = previous.split(/^(?=## )/m);
const kept = sections.filter((s) => !s.startsWith(`## ${values.label}\n`));
writeFileSync(RESULTS, `${kept.join('').trimEnd()}\n\n${table}`);
