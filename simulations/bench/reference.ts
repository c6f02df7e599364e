/**
 * npm run bench:reference [-- --seeds 0,1,2 --rounds 20 --methods fedavg,fedetf --parallel 6 --resume --geofed-csv FILE]
 * GeoFed against an independent PyTorch implementation of the same protocol (reference_torch.py), both started from
 * the same partition (GeoFed's Dir(0.1) split of Fashion-MNIST, exported as the JSON `partition.scheme: file` reads)
 * and the same initial weights (GeoFed's seeded initialisation, exported as a safetensors weights file). Prints and
 * writes results/reference.md (accuracy mean of rounds 16-20, mean ± std over seeds, side by side) and
 * results/reference.csv (every round of every run). With `--geofed-csv FILE`, GeoFed's curves are read from a
 * bench:geometry per-round CSV (its runs of this very config and seeds) instead of being trained again.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { loadTrainLabels } from '@geofed/shared/data/registry';
import { writeFileAtomic } from '@geofed/shared/io/atomicWrite';
import { buildModel } from '@geofed/shared/models/geoModel';
import { saveWeightsFile } from '@geofed/shared/models/weightsFile';
import { partition } from '@geofed/shared/partition/index';
import { encodeSafetensors } from '@geofed/shared/tensor/safetensors';
import { initBackend } from '@geofed/shared/tf/backend';
import { setupMethod } from '@geofed/coordinator/methods/methodSetup';
import { loadSimulationConfig } from '../src/config/simulationConfig.ts';
import { benchArgs, meanStd, runInChild, type RunCache } from './lib/runGrid.ts';

const CONFIG = new URL('../configs/fmnist-dir01.yaml', import.meta.url).pathname;
const TORCH_SCRIPT = new URL('./reference_torch.py', import.meta.url).pathname;
const RESULTS = new URL('./results/', import.meta.url).pathname;
const args = benchArgs(process.argv.slice(2), { seeds: [0, 1, 2], rounds: 20 });
const methods = args.methods ?? ['fedavg', 'fedetf'];

interface Curve {
  rounds: Array<{ round: number; testAccuracy: number }>;
  final?: Record<string, number>;
}

/** GeoFed's partition and initial weights for one seed and method, as files the PyTorch side reads. */
async function exportStart(method: string, seed: number, dir: string) {
  const config = loadSimulationConfig(CONFIG, [`seed=${seed}`, `method.name=${method}`]);
  const data = await loadTrainLabels(config.dataset);
  const split = partition(data.labels, data.numClasses, { ...config.partition, clients: config.clients }, seed);
  const files = { partition: join(dir, 'partition.json'), init: join(dir, `init-${method}.safetensors`), classifier: join(dir, `classifier-${method}.safetensors`) };
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(files.partition, JSON.stringify({ clients: split.clients.map((c) => Array.from(c)) }));
  const setup = setupMethod({ method: config.method, classifier: config.classifier, numClasses: data.numClasses, seed });
  const model = buildModel(config.model, { inputShape: data.inputShape, numClasses: data.numClasses }, seed, setup.head);
  saveWeightsFile(files.init, model.weightSpecs, model.getWeights());
  model.dispose();
  if (setup.classifier) {
    const { weights, dim } = setup.classifier;
    writeFileAtomic(files.classifier, encodeSafetensors([{ name: 'classifier', shape: [dim, data.numClasses], data: weights }]));
  }
  return { ...files, classifier: setup.classifier ? files.classifier : undefined };
}

/** Runs reference_torch.py (one thread, niced) and returns its rounds; kept in the run cache like GeoFed's runs. */
async function torchRun(method: string, seed: number, cache: RunCache): Promise<Curve> {
  const dir = join(cache.dir, 'reference', `seed-${seed}`);
  const files = await exportStart(method, seed, dir);
  const flags = ['--method', method, '--partition', files.partition, '--init', files.init, '--seed', String(seed), '--rounds', String(args.rounds)];
  if (files.classifier) flags.push('--classifier', files.classifier);
  const key = createHash('sha256')
    .update(JSON.stringify({ script: readFileSync(TORCH_SCRIPT, 'utf8'), method, seed, rounds: args.rounds, start: [files.partition, files.init, files.classifier].map((f) => (f ? createHash('sha256').update(readFileSync(f)).digest('hex') : '')) }))
    .digest('hex')
    .slice(0, 24);
  const cached = join(cache.dir, `torch-${key}.json`);
  if (cache.reuse && existsSync(cached)) return JSON.parse(readFileSync(cached, 'utf8')) as Curve;
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('nice', ['-n', '10', '/usr/bin/python3', TORCH_SCRIPT, ...flags], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      process.stderr.write(`  [torch ${method} seed ${seed}] ${d.toString().trimEnd().split('\n').at(-1)}\n`);
    });
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`reference_torch.py ${method} seed ${seed} failed (exit ${code}): ${stderr.trim().split('\n').at(-1)}`))));
  });
  const curve = JSON.parse(output.trim().split('\n').at(-1)!) as Curve;
  writeFileAtomic(cached, JSON.stringify(curve));
  return curve;
}

const last5 = (c: Curve) => c.rounds.slice(-5).reduce((s, r) => s + r.testAccuracy, 0) / Math.min(5, c.rounds.length);
const pm = (values: number[]) => {
  const { mean, std } = meanStd(values);
  return `${(100 * mean).toFixed(2)} ± ${(100 * std).toFixed(2)}`;
};

/** GeoFed's per-round accuracies for one method and seed from a bench:geometry CSV (`method,seed,round1,...` in %). */
function geofedFromCsv(file: string, method: string, seed: number): Curve {
  const row = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(','))
    .find(([m, s]) => m === method && Number(s) === seed);
  if (!row) throw new Error(`${file} has no row for ${method} seed ${seed}; run bench:geometry for it or drop --geofed-csv`);
  const accuracies = row.slice(2, 2 + args.rounds).map(Number);
  if (accuracies.length < args.rounds) throw new Error(`${file}: ${method} seed ${seed} has ${accuracies.length} rounds, expected ${args.rounds}`);
  return { rounds: accuracies.map((a, i) => ({ round: i + 1, testAccuracy: a / 100 })) };
}

/** Runs `jobs` with at most `limit` at a time, keeping their order in the result. */
async function inParallel<T>(jobs: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results = new Array<T>(jobs.length);
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, lane));
  return results;
}

await initBackend('cpu');
/** `--parallel N`: method-seed pairs run at once (each pair is a GeoFed and a PyTorch process, side by side). */
const flag = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const parallel = Number(flag('--parallel') ?? 1) || 1;
const geofedCsv = flag('--geofed-csv');
const pairs = methods.flatMap((method) => args.seeds.map((seed) => ({ method, seed })));
const finished = await inParallel(
  pairs.map(({ method, seed }) => () => {
    const overrides = [`method.name=${method}`, `rounds=${args.rounds}`, 'evaluation.representation.enabled=true'];
    const geofed = geofedCsv ? Promise.resolve(geofedFromCsv(geofedCsv, method, seed)) : runInChild({ label: `geofed ${method}`, config: CONFIG, overrides }, seed, args.cache);
    return Promise.all([geofed, torchRun(method, seed, args.cache)]);
  }),
  parallel,
);
const rows: string[] = [];
const csv: string[] = [['implementation', 'method', 'seed', ...Array.from({ length: args.rounds }, (_, i) => `round${i + 1}`)].join(',')];
for (const method of methods) {
  const runs = finished.filter((_, i) => pairs[i]!.method === method);
  const geofed: Curve[] = runs.map(([g]) => g);
  const torch: Curve[] = runs.map(([, t]) => t);
  const gap = geofed.map((g, i) => last5(g) - last5(torch[i]!));
  rows.push(`| ${method} | ${pm(geofed.map(last5))} | ${pm(torch.map(last5))} | ${gap.map((d) => (100 * d).toFixed(2)).join(', ')} | ${(100 * meanStd(gap).mean).toFixed(2)} |`);
  for (const [name, curves] of [['geofed', geofed], ['pytorch', torch]] as const) {
    curves.forEach((c, i) => csv.push([name, method, args.seeds[i], ...c.rounds.map((r) => (100 * r.testAccuracy).toFixed(2))].join(',')));
  }
}

const table = [
  `| method | GeoFed mean r${args.rounds - 4}-${args.rounds} % | PyTorch reference mean r${args.rounds - 4}-${args.rounds} % | GeoFed - reference per seed (points) | mean difference |`,
  '|---|---|---|---|---|',
  ...rows,
].join('\n');
process.stdout.write(`\n${table}\n`);
const header =
  `Command: \`npm run bench:reference -- ${process.argv.slice(2).join(' ')}\`  \n` +
  `Date: ${new Date().toISOString().slice(0, 10)}; seeds ${args.seeds.join(', ')}; ${args.rounds} rounds; Node ${process.version}; ${cpus()[0]?.model} x ${cpus().length}. ` +
  'Fashion-MNIST, 10 clients Dir(0.1) (GeoFed\'s split, exported), MLP 784-200-200-10 from GeoFed\'s initial weights (exported), 1 local epoch, batch 32, SGD lr 0.05, sample-weighted FedAvg.\n\n';
mkdirSync(RESULTS, { recursive: true });
writeFileSync(join(RESULTS, 'reference.md'), `# bench:reference\n\n${header}${table}\n`);
writeFileSync(join(RESULTS, 'reference.csv'), `${csv.join('\n')}\n`);
process.stdout.write(`wrote ${join(RESULTS, 'reference.md')} and reference.csv\n`);
