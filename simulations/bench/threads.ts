/**
 * npm run bench:threads [-- --rounds 4]
 * Seconds per 10-client round after the first (Fashion-MNIST, MLP 784-200-200-10, IID, 1 local epoch) with virtual clients on one
 * thread and on one worker thread per core, and the speed-up. Each run in its own process.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { benchArgs, runInChild } from './lib/runGrid.ts';

const CONFIG = new URL('../configs/fmnist-iid.yaml', import.meta.url).pathname;
const args = benchArgs(process.argv.slice(2), { seeds: [0], rounds: 4 });
const cores = availableParallelism();

// Rounds after the first (which also compiles wasm and starts workers), from interleaved repeats: other work on the
// machine only ever slows a round down, so the median and the best round are both reported.
const repeats = args.seeds.length > 1 ? args.seeds.length : 3;
const seconds = new Map<number, number[]>([[1, []], [cores, []]]);
const accuracies = new Map<number, number[]>([[1, []], [cores, []]]);
for (let rep = 0; rep < repeats; rep++) {
  for (const threads of [1, cores]) {
    const result = await runInChild({ label: `${threads} thread(s) #${rep + 1}`, config: CONFIG, overrides: [`threads=${threads}`, `rounds=${args.rounds}`] }, args.seeds[0]!);
    seconds.get(threads)!.push(...result.rounds.slice(1).map((r) => r.seconds));
    accuracies.get(threads)!.push(result.final.testAccuracy);
  }
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const rows = [1, cores].map((threads) => ({ threads, median: median(seconds.get(threads)!), best: Math.min(...seconds.get(threads)!), n: seconds.get(threads)!.length }));
const identical = [...accuracies.values()].flat().every((a) => a === accuracies.get(1)![0]);
const table = [
  '| threads | rounds measured | median s/round | best s/round |',
  '|---|---|---|---|',
  ...rows.map((r) => `| ${r.threads} | ${r.n} | ${r.median.toFixed(2)} | ${r.best.toFixed(2)} |`),
  '',
  `Speed-up on ${cores} cores: ${(rows[0]!.median / rows[1]!.median).toFixed(2)}x by median, ${(rows[0]!.best / rows[1]!.best).toFixed(2)}x by best round ` +
    `(final accuracy identical in all ${repeats * 2} runs: ${identical}).`,
].join('\n');
process.stdout.write(`${table}\n`);
const out = new URL('./results/threads.md', import.meta.url).pathname;
mkdirSync(new URL('./results/', import.meta.url).pathname, { recursive: true });
writeFileSync(
  out,
  `# bench:threads\n\nCommand: \`npm run bench:threads -- ${process.argv.slice(2).join(' ')}\`  \nDate: ${new Date().toISOString().slice(0, 10)}; Node ${process.version}; ${cpus()[0]?.model} x ${cores}; Fashion-MNIST, 10 clients IID, MLP 784-200-200-10, 1 local epoch, batch 32, backend auto.\n\n${table}\n`,
);
