/**
 * npm run bench:threads [-- --rounds 2]
 * Seconds per 10-client round (Fashion-MNIST, MLP 784-200-200-10, IID, 1 local epoch) with virtual clients on one
 * thread and on one worker thread per core, and the speed-up. Each run in its own process.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { benchArgs, meanStd, runInChild } from './lib/runGrid.ts';

const CONFIG = new URL('../configs/fmnist-iid.yaml', import.meta.url).pathname;
const args = benchArgs(process.argv.slice(2), { seeds: [0], rounds: 2 });
const cores = availableParallelism();

const rows: Array<{ threads: number; seconds: number; accuracy: number }> = [];
for (const threads of [1, cores]) {
  const result = await runInChild({ label: `${threads} thread(s)`, config: CONFIG, overrides: [`threads=${threads}`, `rounds=${args.rounds}`] }, args.seeds[0]!);
  rows.push({ threads, seconds: meanStd(result.rounds.map((r) => r.seconds)).mean, accuracy: result.final.testAccuracy });
}
const speedup = rows[0]!.seconds / rows[1]!.seconds;
const table = [
  '| threads | seconds per round | final accuracy |',
  '|---|---|---|',
  ...rows.map((r) => `| ${r.threads} | ${r.seconds.toFixed(2)} | ${(100 * r.accuracy).toFixed(2)}% |`),
  '',
  `Speed-up on ${cores} cores: ${speedup.toFixed(2)}x (identical accuracies: ${rows[0]!.accuracy === rows[1]!.accuracy}).`,
].join('\n');
process.stdout.write(`${table}\n`);
const out = new URL('./results/threads.md', import.meta.url).pathname;
mkdirSync(new URL('./results/', import.meta.url).pathname, { recursive: true });
writeFileSync(
  out,
  `# bench:threads\n\nCommand: \`npm run bench:threads -- ${process.argv.slice(2).join(' ')}\`  \nDate: ${new Date().toISOString().slice(0, 10)}; Node ${process.version}; ${cpus()[0]?.model} x ${cores}; Fashion-MNIST, 10 clients IID, MLP 784-200-200-10, 1 local epoch, batch 32, backend auto.\n\n${table}\n`,
);
