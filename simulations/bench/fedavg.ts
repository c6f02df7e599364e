/**
 * npm run bench:fedavg [-- --seeds 0,1,2 --rounds 20 --only "IID FedAvg,centralized" --resume]
 * Fashion-MNIST, MLP 784-200-200-10, 10 clients, {IID, Dir(0.5), Dir(0.1)} x {FedAvg, FedProx, FedAdam} plus
 * centralized; prints a table (accuracy of the last round and mean of the last 5, mean ± std over seeds, seconds per
 * round, local samples per second, peak memory) and writes it to simulations/bench/results/fedavg.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { benchArgs, meanStd, pctPm, runInChild, type GridRun } from './lib/runGrid.ts';

const CONFIG = new URL('../configs/fmnist-iid.yaml', import.meta.url).pathname;
const args = benchArgs(process.argv.slice(2), { seeds: [0, 1, 2], rounds: 20 });

const partitions: Array<[string, string[]]> = [
  ['IID', ['partition.scheme=iid']],
  ['Dir(0.5)', ['partition.scheme=dirichlet', 'partition.alpha=0.5']],
  ['Dir(0.1)', ['partition.scheme=dirichlet', 'partition.alpha=0.1']],
];
const methods: Array<[string, string[]]> = [
  ['FedAvg', ['method.name=fedavg']],
  ['FedProx (mu 0.01)', ['method.name=fedprox']],
  ['FedAdam (server lr 0.01)', ['strategy.name=fedadam']],
];
const grid: GridRun[] = [
  ...partitions.flatMap(([p, po]) => methods.map(([m, mo]) => ({ label: `${p} ${m}`, config: CONFIG, overrides: [...po, ...mo, `rounds=${args.rounds}`] }))),
  { label: 'centralized', config: CONFIG, overrides: ['mode=centralized', `rounds=${args.rounds}`] },
].filter((r) => !args.only || args.only.split(',').some((o) => r.label.toLowerCase().includes(o.trim().toLowerCase())));

const rows: string[] = [];
for (const run of grid) {
  const results = [];
  for (const seed of args.seeds) results.push(await runInChild(run, seed, args.cache));
  const secs = results.flatMap((r) => r.rounds.map((x) => x.seconds));
  const samplesPerRound = results[0]!.clientClassCounts.flat().reduce((a, b) => a + b, 0);
  const { mean: secPerRound } = meanStd(secs);
  rows.push(
    `| ${run.label} | ${results[0]!.rounds.length} | ${pctPm(results.map((r) => r.final.testAccuracy))} | ` +
      `${pctPm(results.map((r) => r.final.testAccuracyLast5))} | ${secPerRound.toFixed(1)} | ` +
      `${Math.round(samplesPerRound / secPerRound)} | ${Math.max(...results.map((r) => Number(r.env.peakRssMB)))} |`,
  );
  process.stdout.write(`${rows.at(-1)}\n`);
}

const table = [
  '| run | rounds | last-round accuracy % | last-5 mean accuracy % | s/round | local samples/s | peak RSS MB |',
  '|---|---|---|---|---|---|---|',
  ...rows,
].join('\n');
const header =
  `Command: \`npm run bench:fedavg -- ${process.argv.slice(2).join(' ')}\`  \n` +
  `Date: ${new Date().toISOString().slice(0, 10)}; seeds ${args.seeds.join(', ')}; Node ${process.version}; ${cpus()[0]?.model} x ${cpus().length}; ` +
  `Fashion-MNIST, MLP 784-200-200-10, 10 clients all participating, 1 local epoch, batch 32, SGD lr 0.05. Mean ± std over seeds; ` +
  `centralized = one client holding all data (its rounds are epochs).\n\n`;
process.stdout.write(`\n${table}\n`);
const out = args.out ?? new URL('./results/fedavg.md', import.meta.url).pathname;
mkdirSync(new URL('./results/', import.meta.url).pathname, { recursive: true });
writeFileSync(out, `# bench:fedavg\n\n${header}${table}\n`);
process.stdout.write(`wrote ${out}\n`);
