import { Command, CommanderError, Option } from 'commander';
import { isGeoFedError } from '@geofed/shared/errors';
import { commands } from './commands/index.ts';
import { configureLogging, LOG_FORMATS, type LogFormat } from './logging.ts';

const program = new Command('geofed')
  .description('GeoFed: federated representation learning with shared embedding geometry')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .addOption(new Option('--log-format <format>', 'log lines for people or for log collectors').choices(LOG_FORMATS).env('GEOFED_LOG_FORMAT').default('human'))
  .hook('preAction', (root) => configureLogging(root.opts<{ logFormat: LogFormat }>().logFormat));

for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode;
  } else if (isGeoFedError(e)) {
    process.stderr.write(`geofed: error: ${e.describe()}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`geofed: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  }
}
