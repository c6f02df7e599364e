import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { logger, type Logger } from '@geofed/shared/log';
import { loadSimulationConfig, type SimulationConfig } from '../../config/simulationConfig.ts';
import { partitionProgress } from '../partitionProgress.ts';
import { portNumber } from '../options.ts';
import { roundProgress } from '../roundProgress.ts';

const collect = (value: string, previous: string[]) => [...previous, value];

interface SimulateOptions {
  config: string;
  set: string[];
  out: string;
  cluster?: string;
  geometryPlot?: boolean;
  checkpointDir?: string;
  resume?: boolean;
  dashboard?: true | number;
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('run a simulated federation (virtual clients in this process) and write DIR/result.json and DIR/curve.png')
    .requiredOption('--config <file>', 'simulation config (YAML)')
    .option('--set <key=value>', 'override a config key, e.g. --set rounds=5 (repeatable)', collect, [])
    .requiredOption('--out <dir>', 'output folder (created when the run succeeds)')
    .option('--cluster <redis-url>', 'train the clients on `geofed worker` processes through this Redis (sets cluster.url)')
    .option('--geometry-plot', 'also write DIR/geometry.png: class prototypes and covariance ellipses (GeoFed-family methods)')
    .option('--checkpoint-dir <dir>', 'write a checkpoint here every checkpoint.every rounds (overrides checkpoint.dir)')
    .option('--resume', 'continue from the checkpoint in the checkpoint folder (if there is none yet, start at round 1)')
    .option('--dashboard [port]', `serve the live dashboard on 127.0.0.1:PORT (default ${DEFAULT_DASHBOARD_PORT}; 0 picks one) and keep it up after the run until Ctrl-C`, portNumber)
    .action(async (opts: SimulateOptions) => {
      const loaded = loadSimulationConfig(opts.config, opts.cluster === undefined ? opts.set : [...opts.set, `cluster.url=${opts.cluster}`]);
      const config = opts.checkpointDir === undefined ? loaded : { ...loaded, checkpoint: { ...loaded.checkpoint, dir: resolve(opts.checkpointDir) } };
      const log = logger('simulate');
      const dashboard = opts.dashboard === undefined ? undefined : await openDashboard(config, opts.dashboard, log);
      // TF.js and the runner load only when a command needs them, so `geofed --help` and light commands start fast.
      const { runSimulation } = await import('../../runner/simulation.ts');
      const { writeRunOutputs } = await import('../../report/result.ts');
      const { writeCurves } = await import('../../report/curves.ts');
      const progress = roundProgress('simulate');
      const run = await runSimulation(config, {
        onPartitionProgress: partitionProgress('geofed simulate'),
        onReady: (info) => {
          const { dataset, clients, backend, threads, firstRound } = info;
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
              ...(firstRound > 1 ? { resumingAtRound: firstRound } : {}),
            },
            'simulation starts',
          );
          dashboard?.hooks.onReady(info);
        },
        onRound: (record, total) => {
          progress.update(record, total);
          dashboard?.hooks.onRound(record);
        },
        ...(dashboard ? { observePool: dashboard.hooks.observePool } : {}),
      }, { resume: opts.resume === true }).finally(() => progress.stop());
      const { result, file, weightsFile } = writeRunOutputs(opts.out, run);
      // `geofed (fedadam)` says which server optimiser ran; `fedavg (fedavg)` would say nothing twice.
      const label = config.strategy.name === config.method.name ? config.method.name : `${config.method.name} (${config.strategy.name})`;
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
          `mean of last ${Math.min(5, result.rounds.length)} rounds ${(100 * result.final.testAccuracyLast5).toFixed(2)}%\n` +
          (result.personalization
            ? `personalised accuracy (each client's label mix): global model ${(100 * result.final.personalizedAccuracy).toFixed(2)}%, ` +
              `after ${result.personalization.epochs} epoch(s) of local head fine-tuning ${(100 * result.personalization.accuracy).toFixed(2)}%\n`
            : '') +
          `wrote ${file}, ${weightsFile} and ${pictures.join(', ')}\n`,
      );
      if (dashboard) {
        dashboard.finish();
        log.info({ url: dashboard.url }, 'the dashboard stays up until Ctrl-C');
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await dashboard.close();
      }
    });
}

const DEFAULT_DASHBOARD_PORT = 8090;

async function openDashboard(config: SimulationConfig, flag: true | number, log: Logger) {
  const port = flag === true ? DEFAULT_DASHBOARD_PORT : flag;
  const { simulationDashboard } = await import('../simulationDashboard.ts');
  const dashboard = await simulationDashboard(config, port);
  log.info({ url: dashboard.url }, 'live dashboard');
  return dashboard;
}
