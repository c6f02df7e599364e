import { Redis } from 'ioredis';
import { GeoFedError } from '@geofed/shared/errors';

/**
 * `command`: CLI commands, which must fail fast (no offline queue, no reconnecting).
 * `worker`: long-running workers, which ride out Redis restarts: BullMQ requires `maxRetriesPerRequest: null`
 * for them, and they reconnect with a capped exponential delay.
 */
export type RedisRole = 'command' | 'worker';

const CONNECT_TIMEOUT_MS = 3000;
const MAX_RECONNECT_DELAY_MS = 5000;

/** The URL without its password, for messages. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * Connects and waits until Redis answers. The first connection is never retried, so a wrong URL or a stopped
 * Redis is reported at once instead of hanging; a worker reconnects only once it has been connected.
 */
export async function connectRedis(url: string, role: RedisRole): Promise<Redis> {
  if (!/^rediss?:\/\//.test(url)) {
    throw new GeoFedError(`REDIS_URL ${displayUrl(url)} is not a Redis URL`, {
      remedy: 'use the form redis://host:6379 (rediss:// for TLS)',
    });
  }
  let connectedOnce = false;
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    retryStrategy: (attempt) =>
      role === 'worker' && connectedOnce ? Math.min(100 * 2 ** attempt, MAX_RECONNECT_DELAY_MS) : null,
  });
  // Without a listener ioredis prints every connection error; the first one is what a failed connect() means.
  let firstError: NodeJS.ErrnoException | undefined;
  redis.on('error', (e: NodeJS.ErrnoException) => {
    firstError ??= e;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    redis.disconnect();
    const cause = firstError ?? (e as NodeJS.ErrnoException);
    const reason = cause.code ?? cause.message;
    throw new GeoFedError(`cannot reach Redis at ${displayUrl(url)}: ${reason}`, {
      remedy: 'start Redis (e.g. redis-server) or point REDIS_URL at a running one',
      code: 'REDIS_UNREACHABLE',
    });
  }
  connectedOnce = true;
  return redis;
}
