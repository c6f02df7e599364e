import { GeoFedError } from '@geofed/shared/errors';
import type { CoordinatorConfig } from '../config/coordinatorConfig.ts';

/** Shorter tokens are guessable; the same floor as the client tokens. */
const MIN_TOKEN_LENGTH = 16;

/** The operator token the dashboard's data needs, read from the variable `dashboard.tokenEnv` names (none: open). */
export function dashboardToken(settings: CoordinatorConfig['dashboard'], env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (settings.tokenEnv === undefined) return undefined;
  const token = env[settings.tokenEnv];
  if (token === undefined || token.length < MIN_TOKEN_LENGTH) {
    throw new GeoFedError(`dashboard.tokenEnv names ${settings.tokenEnv}, which is ${token === undefined ? 'not set' : `shorter than ${MIN_TOKEN_LENGTH} characters`}`, {
      remedy: `export ${settings.tokenEnv}=<a random token of at least ${MIN_TOKEN_LENGTH} characters>, or drop dashboard.tokenEnv for an open read-only dashboard`,
    });
  }
  return token;
}
