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
  let connectedOnce = false;
  let redis: Redis;
  try {
    redis = new Redis(url, {
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      maxRetriesPerRequest: role === 'worker' ? null : 1,
      enableOfflineQueue: role === 'worker',
      retryStrategy: (attempt) =>
        role === 'worker' && connectedOnce ? Math.min(100 * 2 ** attempt, MAX_RECONNECT_DELAY_MS) : null,
    });
  } catch (e) {
    throw new GeoFedError(`REDIS_URL ${displayUrl(url)} is not a Redis URL: ${(e as Error).message}`, {
      remedy: 'use the form redis://host:6379 (or rediss:// for TLS)',
    });
  }
  // Connection errors surface through connect() and failed commands; without a listener ioredis prints them all.
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    redis.disconnect();
    const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new GeoFedError(`cannot reach Redis at ${displayUrl(url)}: ${reason}`, {
      remedy: 'start Redis (e.g. redis-server) or point REDIS_URL at a running one',
      code: 'REDIS_UNREACHABLE',
    });
  }
  connectedOnce = true;
  return redis;
}
