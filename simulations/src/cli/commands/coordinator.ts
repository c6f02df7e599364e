import type { Command } from 'commander';
import { GeoFedError } from '@geofed/shared/errors';

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
      process.stdout.write(`geofed coordinator: ${coordinator.status().round} rounds done\n`);
      if (flags.exitWhenDone) {
        await coordinator.close();
        process.exit(0);
      }
    });
}
