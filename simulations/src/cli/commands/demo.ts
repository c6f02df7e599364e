import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadSimulationConfig } from '../../config/simulationConfig.ts';
import type { SimulationResult } from '../../report/result.ts';
import { comparisonTable } from '../../report/comparison.ts';
import { roundProgress } from '../roundProgress.ts';

const DEMO_CONFIG = new URL('../../../configs/fmnist-dir01.yaml', import.meta.url).pathname;
const METHODS = ['fedavg', 'geofed'] as const;

export function register(program: Command): void {
  program
    .command('demo')
    .description('FedAvg and GeoFed side by side on Fashion-MNIST under severe label skew (Dirichlet 0.1, 10 clients)')
    .option('--rounds <n>', 'rounds per method', '10')
    .option('--out <dir>', 'where to write the table, the picture and both result.json files', 'out/demo')
    .action(async (opts: { rounds: string; out: string }) => {
      const { runSimulation } = await import('../../runner/simulation.ts');
      const { writeRunOutputs } = await import('../../report/result.ts');
      const { writeCurves } = await import('../../report/curves.ts');
      const runs: Array<{ label: string; result: SimulationResult }> = [];
      for (const method of METHODS) {
        const config = loadSimulationConfig(DEMO_CONFIG, [`method.name=${method}`, `rounds=${opts.rounds}`]);
        const progress = roundProgress(method);
        const run = await runSimulation(config, { onRound: (r, total) => progress.update(r, total) }).finally(() => progress.stop());
        const { result } = writeRunOutputs(join(opts.out, method), run);
        runs.push({ label: method, result });
      }
      const table = comparisonTable(runs);
      const picture = join(opts.out, 'comparison.png');
      await writeCurves(picture, 'FedAvg vs GeoFed, Fashion-MNIST, 10 clients, Dirichlet(0.1)', runs.map((r) => ({ label: r.label, rounds: r.result.rounds })));
      writeFileSync(join(opts.out, 'comparison.md'), `${table}\n`);
      process.stdout.write(`\nFashion-MNIST, MLP 784-200-200-10, 10 clients, Dirichlet(0.1) label skew, ${opts.rounds} rounds\n\n${table}\n\nwrote ${picture}\n`);
    });
}
