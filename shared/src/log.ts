import { pino, destination, type Logger } from 'pino';

/**
 * Structured logs go to stderr so that commands can keep stdout for their result (tables, --json).
 * GEOFED_LOG_LEVEL picks the level (default `info`; `silent` turns logging off).
 */
const root: Logger = pino(
  { level: process.env.GEOFED_LOG_LEVEL ?? 'info', base: { pid: process.pid } },
  destination({ fd: 2, sync: true }),
);

export function logger(component: string): Logger {
  return root.child({ component });
}

export type { Logger };
