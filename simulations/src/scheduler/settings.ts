import { resolve } from 'node:path';

/** Where the scheduler finds Redis, which namespace it uses there, and where runs write their result files. */
export interface SchedulerSettings {
  redisUrl: string;
  /** BullMQ key prefix: every key the scheduler writes starts with `<prefix>:`, so several setups can share one Redis. */
  prefix: string;
  resultsDir: string;
}

/** All simulation jobs go through one queue; sweeps are told apart by their job ids. */
export const QUEUE_NAME = 'simulations';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_PREFIX = 'geofed';
export const DEFAULT_RESULTS_DIR = 'geofed-results';

export function schedulerSettings(env: NodeJS.ProcessEnv = process.env, overrides: { resultsDir?: string } = {}): SchedulerSettings {
  return {
    redisUrl: env.REDIS_URL || DEFAULT_REDIS_URL,
    prefix: env.GEOFED_QUEUE_PREFIX || DEFAULT_PREFIX,
    resultsDir: resolve(overrides.resultsDir ?? (env.GEOFED_RESULTS_DIR || DEFAULT_RESULTS_DIR)),
  };
}
