/**
 * npm run bench:geometry [-- --seeds 0,1,2 --rounds 20 --only "10 clients Dir(0.1)" --methods "fedavg,geofed" --resume]
 * Fashion-MNIST, MLP 784-200-200-10 (z = the last hidden layer), settings {10 clients Dir(0.1), 10 clients shards with
 * 2 classes each, 100 clients Dir(0.1) with 10% per round} x methods {fedavg, fedprox, fedproto, fedetf, geofed and
 * geofed ablations}; accuracy of the last round and mean of the last 5 (mean ± std over seeds), personalised
 * accuracy, rounds to reach FedAvg's final accuracy, MB per round. Writes simulations/bench/results/geometry.md and
 * one curve picture per setting.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { cpus } from 'node:os';
import { writeCurves } from '../src/report/curves.ts';
import type { SimulationResult } from '../src/report/result.ts';
import { benchArgs, meanStd, pctPm, runInChild } from './lib/runGrid.ts';

const config = (file: string) => new URL(`../configs/${file}`, import.meta.url).pathname;
const args = benchArgs(process.argv.slice(2), { seeds: [0, 1, 2], rounds: 20 });
/** The table (`--out FILE`, default results/geometry.md); curve pictures go beside it, named after it. */
const OUT = args.out ?? new URL('./results/geometry.md', import.meta.url).pathname;
const PICTURE_PREFIX = basename(OUT, '.md');

const settings: Array<[string, string, string[]]> = [
  ['10 clients Dir(0.1)', config('fmnist-dir01.yaml'), []],
  ['10 clients shards k=2', config('fmnist-shards2.yaml'), []],
  ['100 clients Dir(0.1) 10%', config('fmnist-dir01.yaml'), ['clients=100', 'fractionPerRound=0.1']],
];
const methods: Array<[string, string[]]> = [
  ['fedavg', ['method.name=fedavg']],
  ['fedprox', ['method.name=fedprox']],
  ['fedproto', ['method.name=fedproto']],
  ['fedetf', ['method.name=fedetf']],
  ['geofed', ['method.name=geofed']],
  ['geofed + prototypes', ['method.name=geofed', 'method.prototypes=true']],
  ['geofed - fixed classifier', ['method.name=geofed', 'method.fixedClassifier=false']],
];

/** First round whose accuracy reaches `target`, or undefined. */
const roundsTo = (r: SimulationResult, target: number) => r.rounds.find((x) => x.testAccuracy >= target)?.round;
/** Mean over a run's rounds. */
const perRound = (r: SimulationResult, f: (x: SimulationResult['rounds'][number]) => number) => r.rounds.reduce((s, x) => s + f(x), 0) / r.rounds.length;
/** The same runs read at half their length, so a gain that fades with more rounds shows in the table. */
const midRound = Math.floor(args.rounds / 2);
const last5At = (r: SimulationResult, round: number) => meanStd(r.rounds.slice(Math.max(0, round - 5), round).map((x) => x.testAccuracy)).mean;

const sections: string[] = [];
for (const [setting, settingConfig, settingOverrides] of settings) {
  if (args.only && !args.only.split(',').some((o) => setting.toLowerCase().includes(o.trim().toLowerCase()))) continue;
  const runs = new Map<string, SimulationResult[]>();
  for (const [label, overrides] of methods) {
    if (args.methods && !args.methods.includes(label.toLowerCase())) continue;
    const results: SimulationResult[] = [];
    for (const seed of args.seeds) {
      const run = { label: `${setting} ${label}`, config: settingConfig, overrides: [...settingOverrides, ...overrides, `rounds=${args.rounds}`] };
      results.push(await runInChild(run, seed, args.cache));
    }
    runs.set(label, results);
  }
  const fedavgFinal = runs.get('fedavg')?.map((r) => r.final.testAccuracy);
  const rows = [...runs].map(([label, results]) => {
    const reach = results.map((r, i) => (fedavgFinal ? (roundsTo(r, fedavgFinal[i]!) ?? `>${args.rounds}`) : 'n/a'));
    const secs = meanStd(results.map((r) => perRound(r, (x) => x.seconds))).mean;
    const mb = meanStd(results.map((r) => perRound(r, (x) => x.bytesUp + x.bytesDown) / 1e6)).mean;
    return (
      `| ${label} | ${pctPm(results.map((r) => last5At(r, midRound)))} | ${pctPm(results.map((r) => r.final.testAccuracy))} | ${pctPm(results.map((r) => r.final.testAccuracyLast5))} | ` +
      `${pctPm(results.map((r) => r.final.personalizedAccuracy ?? Number.NaN))} | ${pctPm(results.map((r) => r.final.fineTunedPersonalizedAccuracy ?? Number.NaN))} | ${reach.join(', ')} | ${mb.toFixed(1)} | ${secs.toFixed(1)} |`
    );
  });
  const table = [
    `### ${setting}`,
    '',
    `| method | last-5 mean % at round ${midRound} | last-round accuracy % | last-5 mean % | personalised % | personalised, head fine-tuned % | rounds to FedAvg's final accuracy (per seed) | MB/round | s/round |`,
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  process.stdout.write(`\n${table}\n`);
  const slug = setting.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  mkdirSync(dirname(OUT), { recursive: true });
  await writeCurves(join(dirname(OUT), `${PICTURE_PREFIX}-${slug}.png`), `Fashion-MNIST, ${setting} (seed ${args.seeds[0]})`, [...runs].map(([label, r]) => ({ label, rounds: r[0]!.rounds })));
  // Every round of every run, so the curves behind the table can be re-plotted or re-summarised.
  const csv = [
    ['method', 'seed', ...Array.from({ length: args.rounds }, (_, i) => `round${i + 1}`)].join(','),
    ...[...runs].flatMap(([label, results]) =>
      results.map((r, i) => [label, args.seeds[i], ...r.rounds.map((x) => (100 * x.testAccuracy).toFixed(2))].join(',')),
    ),
  ].join('\n');
  writeFileSync(join(dirname(OUT), `${PICTURE_PREFIX}-${slug}.csv`), `${csv}\n`);
  sections.push(`${table}\n\n![curves](${PICTURE_PREFIX}-${slug}.png) (per-round accuracy of every run: [csv](${PICTURE_PREFIX}-${slug}.csv))`);
}

const header =
  `Command: \`npm run bench:geometry -- ${process.argv.slice(2).join(' ')}\`  \n` +
  `Date: ${new Date().toISOString().slice(0, 10)}; seeds ${args.seeds.join(', ')}; ${args.rounds} rounds; Node ${process.version}; ${cpus()[0]?.model} x ${cpus().length}. ` +
  `Fashion-MNIST, MLP 784-200-200-10, 1 local epoch, batch 32, SGD lr 0.05, sample-weighted FedAvg aggregation.\n\n`;
writeFileSync(OUT, `# bench:geometry\n\n${header}${sections.join('\n\n')}\n`);
process.stdout.write(`wrote ${OUT}\n`);
