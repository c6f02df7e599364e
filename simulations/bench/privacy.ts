/**
 * npm run bench:privacy [-- --seeds 0,1,2 --rounds 5 --resume]
 * Accuracy vs epsilon: Fashion-MNIST, MLP 784-200-200-10, 10 clients with Dir(0.1) shares, every client in every
 * round (q = 1), delta = 1e-5, epsilon in {1, 4, 8, inf}, for fedavg (DP-FedAvg on the weights) and geofed (DP-FedAvg
 * plus Gaussian noise on the pooled class statistics). The noise multipliers are calibrated by the RDP accountant so
 * that the whole run ends at the target epsilon; inf is the run without privacy. Writes results/privacy.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { noiseMultiplierFor } from '@geofed/shared/privacy/accountant';
import { benchArgs, pctPm, runInChild, type GridRun } from './lib/runGrid.ts';

const CONFIG = new URL('../configs/fmnist-iid.yaml', import.meta.url).pathname;
const RESULTS = new URL('./results/privacy.md', import.meta.url).pathname;
const args = benchArgs(process.argv.slice(2), { seeds: [0, 1, 2], rounds: 5 });
const DELTA = 1e-5;
/** S: the L2 bound of one client's update; C: of one embedding. */
const UPDATE_CLIP = 1;
const EMBEDDING_CLIP = 5;
const EPSILONS = [1, 4, 8, Infinity];
const METHODS = [
  // fedavg releases the weights each round; geofed also the class statistics (two mechanisms per round).
  { name: 'fedavg', mechanisms: 1 },
  { name: 'geofed', mechanisms: 2 },
];

interface Row extends GridRun {
  readonly method: string;
  readonly epsilon: number;
  readonly sigma: number | undefined;
}

const grid: Row[] = METHODS.flatMap(({ name, mechanisms }) =>
  EPSILONS.map((epsilon) => {
    const base = ['partition.scheme=dirichlet', 'partition.alpha=0.1', `method.name=${name}`, `rounds=${args.rounds}`, 'threads=1'];
    if (!Number.isFinite(epsilon)) return { label: `${name} eps=inf`, method: name, epsilon, sigma: undefined, config: CONFIG, overrides: base };
    // One effective noise multiplier per mechanism; the statistics' three parts each get sqrt(3) times it.
    const sigma = noiseMultiplierFor({ epsilon, delta: DELTA }, 1, args.rounds, mechanisms);
    const privacy = [`privacy.delta=${DELTA}`, `privacy.dpFedAvg.clipNorm=${UPDATE_CLIP}`, `privacy.dpFedAvg.noiseMultiplier=${sigma}`];
    if (name === 'geofed') privacy.push(`privacy.clipNorm=${EMBEDDING_CLIP}`, `privacy.noiseMultiplier=${sigma * Math.sqrt(3)}`);
    return { label: `${name} eps=${epsilon}`, method: name, epsilon, sigma, config: CONFIG, overrides: [...base, ...privacy] };
  }),
).filter((r) => !args.only || args.only.split(',').some((o) => r.label.includes(o.trim())));

/** Rewritten after every row, so an interrupted benchmark keeps what it measured. */
function writeTable(rows: readonly string[], done: boolean): string {
  const table = [
    '# bench:privacy',
    '',
    `Command: \`npm run bench:privacy -- ${process.argv.slice(2).join(' ')}\``,
    `Date: ${new Date().toISOString().slice(0, 10)}; seeds ${args.seeds.join(', ')}; Node ${process.version}; ${cpus()[0]?.model ?? 'cpu'} x ${cpus().length}; ` +
      `load average ${loadavg()[0]!.toFixed(0)} at the end (shared machine).`,
    `Fashion-MNIST, MLP 784-200-200-10, 10 clients Dir(0.1), all clients every round (q = 1), ${args.rounds} rounds, 1 local epoch, batch 32, SGD lr 0.05; ` +
      `delta = ${DELTA}; DP-FedAvg update clip S = ${UPDATE_CLIP}; geofed embedding clip C = ${EMBEDDING_CLIP}. ` +
      'sigma: the effective noise multiplier per mechanism the accountant calibrated for the target (geofed: weights and statistics each; the ' +
      'statistics\' count, sum and second moment get sqrt(3) sigma over their own sensitivity). Accuracy: last round, mean ± std over seeds.',
    '',
    '| method | target ε | σ | ε reached (seed 0) | rounds | accuracy % |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  mkdirSync(new URL('./results/', import.meta.url).pathname, { recursive: true });
  writeFileSync(RESULTS, done ? table : `${table}\n(interrupted: rows not yet measured are missing)\n`);
  return table;
}

const rows: string[] = [];
for (const run of grid) {
  const results = [];
  for (const seed of args.seeds) results.push(await runInChild(run, seed, args.cache));
  const reached = results.map((r) => r.final.epsilon);
  const row =
    `| ${run.method} | ${Number.isFinite(run.epsilon) ? run.epsilon : '∞'} | ${run.sigma === undefined ? '-' : run.sigma.toFixed(2)} | ` +
    `${reached[0] === undefined ? '∞ (no noise)' : Number(reached[0]).toFixed(2)} | ${results[0]!.rounds.length} | ${pctPm(results.map((r) => r.final.testAccuracy))} |`;
  rows.push(row);
  process.stdout.write(`${row}\n`);
  writeTable(rows, false);
}

process.stdout.write(`\n${writeTable(rows, true)}`);
