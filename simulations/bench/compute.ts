/**
 * `npm run bench:compute`: training throughput (samples/s) of GeoFed's reference models on each TensorFlow.js backend,
 * next to PyTorch on one thread when /usr/bin/python3 has torch. Each backend runs in its own child process
 * (computeWorkload.ts), one after another; the Markdown table goes to stdout and to results/compute.md.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { promisify } from 'node:util';
import {
  BATCH,
  FAST_STEPS,
  MODEL_NAMES,
  REPEATS,
  WARMUP_STEPS,
  type Measurement,
  type ModelName,
  type WorkloadResult,
} from './computeWorkload.ts';

const run = promisify(execFile);
const here = (file: string) => new URL(file, import.meta.url).pathname;
const COMMAND = 'npm run bench:compute';
const BACKENDS = ['cpu', 'wasm-stock', 'wasm', 'tensorflow'] as const;
type Column = (typeof BACKENDS)[number] | 'pytorch';
const COLUMN_TITLES: Record<Column, string> = {
  cpu: 'tfjs cpu',
  'wasm-stock': 'tfjs wasm (stock)',
  wasm: 'tfjs wasm + GeoFed kernels',
  tensorflow: 'tfjs-node (tensorflow)',
  pytorch: 'PyTorch, 1 thread',
};
const CHILD_TIMEOUT_MS = 100_000;
const PYTHON = '/usr/bin/python3';

/** What is not measured, and why: printed as a footnote instead of a number. */
const SKIPPED: Partial<Record<Column, Partial<Record<ModelName, string>>>> = {
  cpu: {
    cnn:
      "skipped: the cpu backend's Conv2DBackpropFilter is a scalar loop (about 4 s per example on this machine), " +
      'so one batch-32 step alone takes minutes',
  },
};

type Cell = { rate: number } | { note: string };

async function runJson<T>(file: string, args: string[], env: Record<string, string | undefined>): Promise<T> {
  const { stdout } = await run(file, args, {
    env: { ...process.env, ...env },
    timeout: CHILD_TIMEOUT_MS,
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as T;
}

function failure(err: unknown): string {
  const e = err as { stderr?: string; message?: string; killed?: boolean };
  if (e.killed) return `timed out after ${CHILD_TIMEOUT_MS / 1000} s`;
  const lines = (e.stderr ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  const reason = lines.find((l) => /Error/.test(l)) ?? lines.at(-1) ?? e.message ?? String(err);
  return reason.replace(/^.*?GeoFedError: /, '').slice(0, 240);
}

function cellOf(m: Measurement | undefined): Cell {
  if (!m) return { note: 'not run' };
  return m.ok ? { rate: m.samplesPerSecond } : { note: `fails: ${m.error}` };
}

async function measureBackend(backend: (typeof BACKENDS)[number]): Promise<{ cells: Record<string, Cell>; info?: string }> {
  const skipped = SKIPPED[backend] ?? {};
  const models = MODEL_NAMES.filter((m) => !skipped[m]);
  const cells: Record<string, Cell> = Object.fromEntries(Object.entries(skipped).map(([m, note]) => [m, { note }]));
  try {
    const result = await runJson<WorkloadResult>(
      process.execPath,
      ['--import', 'tsx', here('./computeWorkload.ts'), backend, models.join(',')],
      { GEOFED_BACKEND: '', GEOFED_LOG_LEVEL: 'warn' },
    );
    if ('error' in result) {
      for (const m of models) cells[m] = { note: `not measured: ${result.error}` };
      return { cells };
    }
    for (const m of models) cells[m] = cellOf(result.models[m]);
    const b = result.backend;
    return { cells, info: `${b.name}: simd=${b.simd} threads=${b.threads} geofedKernels=${b.geofedKernels}` };
  } catch (err) {
    const note = `not measured: ${failure(err)}`;
    for (const m of models) cells[m] = { note };
    return { cells };
  }
}

async function measureTorch(): Promise<{ cells: Record<string, Cell>; info?: string }> {
  try {
    const result = await runJson<{ torch: string; threads: number; models: Record<string, Measurement> }>(
      PYTHON,
      [here('./compute_torch.py'), JSON.stringify({ batch: BATCH, warmup: WARMUP_STEPS, repeats: REPEATS, steps: FAST_STEPS })],
      { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    );
    const cells = Object.fromEntries(MODEL_NAMES.map((m) => [m, cellOf(result.models[m])]));
    return { cells, info: `PyTorch ${result.torch}, torch.get_num_threads()=${result.threads}` };
  } catch (err) {
    const note = `PyTorch not available (${failure(err)}); install it with \`apt-get install -y python3-torch libopenblas0-serial\``;
    return { cells: Object.fromEntries(MODEL_NAMES.map((m) => [m, { note }])) };
  }
}

function formatRate(rate: number): string {
  return rate >= 100 ? Math.round(rate).toLocaleString('en-US') : rate.toPrecision(3);
}

function table(columns: Record<Column, Record<string, Cell>>): { markdown: string; notes: string[] } {
  const notes: string[] = [];
  const noteRef = (note: string) => {
    const i = notes.indexOf(note);
    return `n/a [${(i < 0 ? notes.push(note) : i + 1).toString()}]`;
  };
  const order: Column[] = [...BACKENDS, 'pytorch'];
  const header = ['model', ...order.map((c) => COLUMN_TITLES[c]), 'GeoFed wasm / PyTorch'];
  const rows = MODEL_NAMES.map((model) => {
    const cells = order.map((c) => {
      const cell = columns[c][model];
      return 'rate' in cell ? formatRate(cell.rate) : noteRef(cell.note);
    });
    const ours = columns.wasm[model];
    const torch = columns.pytorch[model];
    const ratio = 'rate' in ours && 'rate' in torch ? `${(ours.rate / torch.rate).toFixed(2)}x` : '—';
    return [model, ...cells, ratio];
  });
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const markdown = [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
  return { markdown, notes };
}

async function main(): Promise<void> {
  const started = new Date();
  const loadBefore = loadavg()[0];
  const columns = {} as Record<Column, Record<string, Cell>>;
  const infos: string[] = [];
  for (const backend of BACKENDS) {
    const { cells, info } = await measureBackend(backend);
    columns[backend] = cells;
    if (info) infos.push(info);
  }
  const torch = await measureTorch();
  columns.pytorch = torch.cells;
  if (torch.info) infos.push(torch.info);
  const seconds = (Date.now() - started.getTime()) / 1000;
  const { markdown, notes } = table(columns);

  const report = [
    '# Training throughput by backend (samples/s, higher is better)',
    '',
    `Command: \`${COMMAND}\` (= \`node --import tsx simulations/bench/compute.ts\`)  `,
    `Date: ${started.toISOString()}  `,
    `Node ${process.version}; CPU: ${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores)  `,
    `Backends: ${infos.join('; ')}`,
    '',
    `Models: mlp 784-200-200-10, cnn conv5x5x32-pool-conv5x5x64-pool-dense512-dense10 on 28x28x1 ('same' padding), ` +
      `head 512-256-10; tf.layers models, SGD, batch ${BATCH}, categorical cross-entropy, loss read back every step. ` +
      `Each cell is the best of ${REPEATS} timed runs of a fixed number of steps after ${WARMUP_STEPS} warm-up steps; ` +
      'every backend runs ' +
      'in its own process, one at a time. Wasm runs single-threaded in Node (no wasm threads), so it is compared ' +
      'with single-threaded PyTorch (OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)).',
    '',
    markdown,
    '',
    ...notes.map((note, i) => `[${i + 1}] ${note}  `),
    '',
    `Noise: other processes share the 2 cores (1-minute load average ${loadBefore.toFixed(1)} at the start, ` +
      `${loadavg()[0].toFixed(1)} at the end); treat differences under ~30% as noise. Total time ${seconds.toFixed(0)} s.`,
    '',
  ].join('\n');
  writeFileSync(here('./results/compute.md'), report);
  console.log(report);
}

await main();
