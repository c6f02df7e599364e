import { join } from 'node:path';
import type { Command } from 'commander';
import { logger } from '@geofed/shared/log';
import { loadSimulationConfig } from '../../config/simulationConfig.ts';
import { partitionProgress } from '../partitionProgress.ts';
import { roundProgress } from '../roundProgress.ts';

const collect = (value: string, previous: string[]) => [...previous, value];

export function register(program: Command): void {
  program
    .command('simulate')
    .description('run a simulated federation (virtual clients in this process) and write DIR/result.json and DIR/curve.png')
    .requiredOption('--config <file>', 'simulation config (YAML)')
    .option('--set <key=value>', 'override a config key, e.g. --set rounds=5 (repeatable)', collect, [])
    .requiredOption('--out <dir>', 'output folder (created when the run succeeds)')
    .option('--geometry-plot', 'also write DIR/geometry.png: class prototypes and covariance ellipses (GeoFed-family methods)')
    .action(async (opts: { config: string; set: string[]; out: string; geometryPlot?: boolean }) => {
      const config = loadSimulationConfig(opts.config, opts.set);
      // TF.js and the runner load only when a command needs them, so `geofed --help` and light commands start fast.
      const { runSimulation } = await import('../../runner/simulation.ts');
      const { buildResult, writeResult } = await import('../../report/result.ts');
      const { writeCurves } = await import('../../report/curves.ts');
      const log = logger('simulate');
      const progress = roundProgress('simulate');
      const run = await runSimulation(config, {
        onPartitionProgress: partitionProgress('geofed simulate'),
        onReady: ({ dataset, clients, backend, threads }) =>
          log.info(
            {
              dataset: dataset.name,
              synthetic: dataset.synthetic,
              clients: clients.length,
              // Fewer than configured when some hold no data (minSize 0); those are never sampled.
              registeredClients: config.clients,
              rounds: config.rounds,
              method: config.method.name,
              strategy: config.strategy.name,
              backend: backend.name,
              threads,
            },
            'simulation starts',
          ),
        onRound: (record, total) => progress.update(record, total),
      }).finally(() => progress.stop());
      const result = buildResult(run);
      const file = writeResult(opts.out, result);
      const label = `${config.method.name} (${config.strategy.name})`;
      await writeCurves(join(opts.out, 'curve.png'), `${label} on ${run.dataset.name}`, [{ label, rounds: result.rounds }]);
      const pictures = [join(opts.out, 'curve.png')];
      if (opts.geometryPlot) {
        if (!run.geometry) {
          log.warn({ method: config.method.name }, 'no geometry to draw: the method pools no embedding statistics');
        } else {
          const { writeGeometryPlot } = await import('../../report/geometryPlot.ts');
          pictures.push(join(opts.out, 'geometry.png'));
          await writeGeometryPlot(pictures[1]!, run.geometry, run.dataset.classNames, `pooled embedding geometry, ${run.dataset.name}`);
        }
      }
      process.stdout.write(
        `final test accuracy ${(100 * result.final.testAccuracy).toFixed(2)}% (round ${result.final.rounds}), ` +
          `mean of last 5 rounds ${(100 * result.final.testAccuracyLast5).toFixed(2)}%\n` +
          (result.personalization
            ? `personalised accuracy (each client's label mix): global model ${(100 * result.final.personalizedAccuracy).toFixed(2)}%, ` +
              `after ${result.personalization.epochs} epoch(s) of local head fine-tuning ${(100 * result.personalization.accuracy).toFixed(2)}%\n`
            : '') +
          `wrote ${file} and ${pictures.join(', ')}\n`,
      );
    });
}
