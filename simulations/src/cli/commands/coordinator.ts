import { join } from 'node:path';
import type { Command } from 'commander';
import { GeoFedError } from '@geofed/shared/errors';
import type { CoordinatorConfig } from '@geofed/coordinator/config/coordinatorConfig';
import type { RunningCoordinator } from '@geofed/coordinator/server/coordinator';

const collect = (value: string, previous: string[]) => [...previous, value];

interface CoordinatorFlags {
  config: string;
  set: string[];
  port: string;
  host: string;
  checkpointDir?: string;
  resume?: boolean;
  exitWhenDone?: boolean;
}

function portNumber(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new GeoFedError(`--port must be an integer in [0, 65535], got "${value}"`);
  return port;
}

/**
 * A networked run's outputs beside its checkpoints, as a simulation writes them: result.json (its config without
 * the auth secrets), the trained weights and the curves.
 */
async function writeNetworkedResult(dir: string, config: CoordinatorConfig, coordinator: RunningCoordinator): Promise<string[]> {
  const { writeRunOutputs } = await import('../../report/result.ts');
  const { writeCurves } = await import('../../report/curves.ts');
  const { auth: _secrets, ...shareable } = config;
  const { result, file, weightsFile } = writeRunOutputs(dir, {
    ...coordinator.report(),
    config: shareable,
    clientClassCounts: [],
    threads: 1,
    personalization: undefined,
    writeWeights: (to) => coordinator.writeWeights(to),
  });
  const curve = join(dir, 'curve.png');
  const label = `${config.method.name} (${config.strategy.name})`;
  await writeCurves(curve, `${label} on ${result.dataset.name}, networked`, [{ label, rounds: result.rounds }]);
  return [file, weightsFile, curve];
}

export function register(program: Command): void {
  program
    .command('coordinator')
    .description('run the coordinator service: socket.io for clients, /healthz, /status and /metrics on the same port')
    .requiredOption('--config <file>', 'coordinator config (YAML)')
    .option('--set <key=value>', 'override a config key, e.g. --set rounds=5 (repeatable)', collect, [])
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8080')
    .option('--host <host>', 'address to listen on (0.0.0.0: every interface, e.g. in a container)', '127.0.0.1')
    .option('--checkpoint-dir <dir>', 'write a checkpoint here after every round (overrides checkpoint.dir)')
    .option('--resume', 'continue from the checkpoint in the checkpoint folder (if there is none yet, start at round 0)')
    .option('--exit-when-done', 'exit once the configured rounds are done instead of staying up')
    .action(async (flags: CoordinatorFlags) => {
      // Loaded here so that other commands do not pay for the server's modules at start-up.
      const { loadCoordinatorConfig } = await import('@geofed/coordinator/config/coordinatorConfig');
      const { startCoordinator } = await import('@geofed/coordinator/server/coordinator');
      const config = loadCoordinatorConfig(flags.config, flags.set);
      const coordinator = await startCoordinator(config, {
        port: portNumber(flags.port),
        host: flags.host,
        ...(flags.checkpointDir !== undefined ? { checkpointDir: flags.checkpointDir } : {}),
        ...(flags.resume ? { resume: true } : {}),
      });
      process.stdout.write(`geofed coordinator: listening on ${coordinator.url} (port ${coordinator.port})\n`);
      const shutdown = () => void coordinator.close().finally(() => process.exit(0));
      process.once('SIGTERM', shutdown);
      process.once('SIGINT', shutdown);
      try {
        await coordinator.finished;
      } catch (e) {
        await coordinator.close();
        throw e;
      }
      const outDir = flags.checkpointDir ?? config.checkpoint.dir;
      const wrote = outDir === undefined ? '' : `; wrote ${(await writeNetworkedResult(outDir, config, coordinator)).join(', ')}`;
      process.stdout.write(`geofed coordinator: ${coordinator.status().round} rounds done${wrote}\n`);
      if (flags.exitWhenDone) {
        await coordinator.close();
        process.exit(0);
      }
    });
}
