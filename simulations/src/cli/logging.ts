import { GeoFedError } from '@geofed/shared/errors';
import { setLogSink, type LogSink } from '@geofed/shared/log';

/**
 * How the CLI's processes write their log: `human` lines (the seam's default) or `json` lines through pino, which
 * log collectors read (the deploy manifests set GEOFED_LOG_FORMAT=json). The choice travels in the environment so
 * that every process a command starts (sweep runs, workers) writes the same format.
 */
export const LOG_FORMATS = ['human', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export function parseLogFormat(text: string, source = 'GEOFED_LOG_FORMAT'): LogFormat {
  if ((LOG_FORMATS as readonly string[]).includes(text)) return text as LogFormat;
  throw new GeoFedError(`${source}: unknown log format '${text}'`, { remedy: `use one of ${LOG_FORMATS.join(', ')}` });
}

async function jsonSink(): Promise<LogSink> {
  // Loaded only for JSON logs, so that human-facing commands start without it. The seam filters by level already;
  // pino only serialises (errors included) and writes synchronously, so the last lines before an exit are not lost.
  const { pino, destination, stdTimeFunctions } = await import('pino');
  const out = pino({ level: 'debug', base: { pid: process.pid }, timestamp: stdTimeFunctions.isoTime }, destination({ fd: 2, sync: true }));
  return ({ level, fields, message }) => out[level](fields, message);
}

export async function configureLogging(format: LogFormat): Promise<void> {
  process.env.GEOFED_LOG_FORMAT = format;
  if (format === 'json') setLogSink(await jsonSink());
}

/** For process entry points other than the CLI's main (they inherit the format through the environment). */
export async function configureLoggingFromEnv(): Promise<void> {
  const text = process.env.GEOFED_LOG_FORMAT;
  if (text) await configureLogging(parseLogFormat(text));
}
