import type { Command } from 'commander';
import { GeoFedError } from '@geofed/shared/errors';

interface TokenFlags {
  config: string;
  clientId: string;
  expiresIn?: string;
}

export function register(program: Command): void {
  program
    .command('token')
    .description("issue an HMAC-signed client token with the coordinator config's auth secret (auth.hmacSecret or hmacSecretEnv)")
    .requiredOption('--config <file>', 'coordinator config (YAML)')
    .requiredOption('--client-id <id>', 'the client the token is for')
    .option('--expires-in <seconds>', 'validity from now (default: no expiry)')
    .action(async (flags: TokenFlags) => {
      const { loadCoordinatorConfig } = await import('@geofed/coordinator/config/coordinatorConfig');
      const { hmacSecretOf, signClientToken } = await import('@geofed/coordinator/server/auth');
      const secret = hmacSecretOf(loadCoordinatorConfig(flags.config).auth);
      if (secret === undefined) {
        throw new GeoFedError(`${flags.config} has no HMAC secret`, { remedy: 'set auth.hmacSecret or auth.hmacSecretEnv, or use auth.tokens' });
      }
      let expiresAt = 0;
      if (flags.expiresIn !== undefined) {
        const seconds = Number(flags.expiresIn);
        if (!Number.isInteger(seconds) || seconds <= 0) throw new GeoFedError(`--expires-in must be a positive number of seconds, got "${flags.expiresIn}"`);
        expiresAt = Math.floor(Date.now() / 1000) + seconds;
      }
      process.stdout.write(`${signClientToken(secret, flags.clientId, expiresAt)}\n`);
    });
}
