import { createHmac, timingSafeEqual } from 'node:crypto';
import { GeoFedError } from '@geofed/shared/errors';
import type { CoordinatorConfig } from '../config/coordinatorConfig.ts';

/**
 * Client credentials. Either a fixed token per client id (`auth.tokens`), or tokens signed with a secret the
 * coordinator holds (`auth.hmacSecret`): `v1.<expiry, Unix seconds, 0 = never>.<base64url HMAC-SHA256>` over the
 * client id and the expiry, so a token is only good for the id it was issued to.
 */

export type AuthVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface Authenticator {
  check(clientId: string, token: string): AuthVerdict;
}

/** One way of admitting clients; `concerns` says whether its refusal is the one to explain to this client. */
interface CredentialCheck extends Authenticator {
  concerns(clientId: string, token: string): boolean;
}

const TOKEN_VERSION = 'v1';

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function signature(secret: string, clientId: string, expiresAt: number): string {
  return createHmac('sha256', secret).update(`geofed-client-token:${TOKEN_VERSION}:${clientId}:${expiresAt}`).digest('base64url');
}

/** A token for `clientId`, valid until `expiresAt` (Unix seconds; 0 = no expiry). */
export function signClientToken(secret: string, clientId: string, expiresAt = 0): string {
  if (!Number.isInteger(expiresAt) || expiresAt < 0) throw new GeoFedError(`token expiry must be Unix seconds >= 0, got ${expiresAt}`);
  return `${TOKEN_VERSION}.${expiresAt}.${signature(secret, clientId, expiresAt)}`;
}

function hmacAuthenticator(secret: string, now: () => number): CredentialCheck {
  return {
    concerns: (_clientId, token) => token.startsWith(`${TOKEN_VERSION}.`),
    check(clientId, token) {
      const [version, expiry, mac, ...rest] = token.split('.');
      if (version !== TOKEN_VERSION || expiry === undefined || mac === undefined || rest.length > 0 || !/^\d+$/.test(expiry)) {
        return { ok: false, reason: 'token is not a GeoFed v1 signed token' };
      }
      const expiresAt = Number(expiry);
      if (!sameText(mac, signature(secret, clientId, expiresAt))) return { ok: false, reason: `token is not valid for client ${clientId}` };
      if (expiresAt !== 0 && expiresAt * 1000 < now()) return { ok: false, reason: `token expired at ${new Date(expiresAt * 1000).toISOString()}` };
      return { ok: true };
    },
  };
}

function tokenTableAuthenticator(tokens: Readonly<Record<string, string>>): CredentialCheck {
  const table = new Map(Object.entries(tokens));
  return {
    concerns: (clientId) => table.has(clientId),
    check(clientId, token) {
      const expected = table.get(clientId);
      if (expected === undefined) return { ok: false, reason: `client id ${clientId} is not registered` };
      return sameText(token, expected) ? { ok: true } : { ok: false, reason: `wrong token for client ${clientId}` };
    },
  };
}

/** The secret HMAC tokens are signed with, from the config or the environment variable it names. */
export function hmacSecretOf(auth: CoordinatorConfig['auth'], env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (auth.hmacSecret !== undefined) return auth.hmacSecret;
  if (auth.hmacSecretEnv === undefined) return undefined;
  const secret = env[auth.hmacSecretEnv];
  if (secret === undefined || secret.length < 32) {
    throw new GeoFedError(`auth.hmacSecretEnv names ${auth.hmacSecretEnv}, which is ${secret === undefined ? 'not set' : 'shorter than 32 characters'}`, {
      remedy: `export ${auth.hmacSecretEnv}=<a random secret of at least 32 characters>`,
    });
  }
  return secret;
}

/**
 * Token table first, then signed tokens: either one admitting the client is enough. A refusal gives the reason of
 * the check the credential was meant for (the table for a registered id, the signature check for a signed token),
 * not merely of the last one tried; otherwise the first refusal.
 */
export function createAuthenticator(auth: CoordinatorConfig['auth'], now: () => number = Date.now): Authenticator {
  const secret = hmacSecretOf(auth);
  const checks = [
    ...(auth.tokens ? [tokenTableAuthenticator(auth.tokens)] : []),
    ...(secret !== undefined ? [hmacAuthenticator(secret, now)] : []),
  ];
  return {
    check(clientId, token) {
      if (clientId === '' || token === '') return { ok: false, reason: 'client id and token are required' };
      let refusal: AuthVerdict | undefined;
      let explained = false;
      for (const c of checks) {
        const verdict = c.check(clientId, token);
        if (verdict.ok) return verdict;
        if (explained) continue;
        if (c.concerns(clientId, token)) {
          refusal = verdict;
          explained = true;
        } else {
          refusal ??= verdict;
        }
      }
      return refusal ?? { ok: false, reason: 'no credential accepted' };
    },
  };
}
