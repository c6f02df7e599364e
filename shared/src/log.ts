/**
 * GeoFed's logging seam. Modules log through `logger(component)`; where the lines go is the program's choice:
 * by default one human line per event on stderr (stdout stays free for a command's result: tables, --json), and the
 * CLI swaps in JSON lines (pino) for log collectors with `--log-format json` / GEOFED_LOG_FORMAT=json.
 * Keeping the writer out of this package keeps edge and browser installs free of logging libraries.
 * GEOFED_LOG_LEVEL picks the level (default `info`; `silent` turns logging off).
 */

import { GeoFedError } from './errors.ts';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
type EventLevel = Exclude<LogLevel, 'silent'>;

export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  /** A logger that adds `bindings` to every event (e.g. the client id). */
  child(bindings: object): Logger;
  isLevelEnabled(level: EventLevel): boolean;
}

/** One event as a sink receives it; `fields` holds the component, the child bindings and the call's own fields. */
export interface LogEvent {
  readonly level: EventLevel;
  readonly time: Date;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly message: string;
}

export type LogSink = (event: LogEvent) => void;

const RANK: Readonly<Record<LogLevel, number>> = { debug: 20, info: 30, warn: 40, error: 50, silent: Infinity };

export function parseLogLevel(text: string): LogLevel {
  if ((LOG_LEVELS as readonly string[]).includes(text)) return text as LogLevel;
  throw new GeoFedError(`GEOFED_LOG_LEVEL: unknown level '${text}'`, { remedy: `use one of ${LOG_LEVELS.join(', ')}` });
}

function envLevel(): LogLevel {
  const text = typeof process === 'undefined' ? undefined : process.env.GEOFED_LOG_LEVEL;
  return text ? parseLogLevel(text) : 'info';
}

/** Lists longer than this show as their length: a round's hundred client ids would bury the line. */
const MAX_LISTED = 4;

/**
 * A value as a person reads it on one line: strings quoted only when they hold spaces or quotes (easy to grep),
 * numbers to 4 significant digits, checksums shortened, short lists joined, long ones counted. JSON lines keep
 * every value whole.
 */
function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === 'string') {
    if (/^[0-9a-f]{32,}$/.test(value)) return `${value.slice(0, 8)}…`;
    return /[\s"=,]/.test(value) || value === '' ? JSON.stringify(value) : value;
  }
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
  if (Array.isArray(value)) {
    if (value.length === 0) return 'none';
    if (value.length > MAX_LISTED || value.some((v) => typeof v === 'object' && v !== null)) return `(${value.length})`;
    return value.map(formatValue).join(',');
  }
  if (value === undefined || value === null || typeof value !== 'object') return String(value);
  return Object.entries(value)
    .map(([k, v]) => `${k}:${formatValue(v)}`)
    .join(',');
}

/** `13:40:02.125 WARN  coordinator update refused round=3 reason="too late"` */
export function humanLine({ level, time, fields, message }: LogEvent): string {
  const { component, ...rest } = fields;
  const values = Object.entries(rest)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${formatValue(v)}`);
  const clock = time.toISOString().slice(11, 23);
  return [clock, level.toUpperCase().padEnd(5), String(component ?? '-').padEnd(11), message, ...values].join(' ').trimEnd();
}

const stderrHuman: LogSink = (event) => {
  const line = `${humanLine(event)}\n`;
  if (typeof process !== 'undefined' && process.stderr) process.stderr.write(line);
  else console.error(line);
};

let sink: LogSink = stderrHuman;
let level: LogLevel = envLevel();

/** Replaces where events go (the CLI installs its JSON writer here); loggers made earlier follow. */
export function setLogSink(next: LogSink): void {
  sink = next;
}

export function setLogLevel(next: LogLevel): void {
  level = next;
}

class SeamLogger implements Logger {
  constructor(private readonly bindings: Readonly<Record<string, unknown>>) {}

  private emit(eventLevel: EventLevel, fields: object, message: string): void {
    if (!this.isLevelEnabled(eventLevel)) return;
    sink({ level: eventLevel, time: new Date(), fields: { ...this.bindings, ...fields }, message });
  }

  debug(fields: object, message: string): void {
    this.emit('debug', fields, message);
  }

  info(fields: object, message: string): void {
    this.emit('info', fields, message);
  }

  warn(fields: object, message: string): void {
    this.emit('warn', fields, message);
  }

  error(fields: object, message: string): void {
    this.emit('error', fields, message);
  }

  child(bindings: object): Logger {
    return new SeamLogger({ ...this.bindings, ...bindings });
  }

  isLevelEnabled(eventLevel: EventLevel): boolean {
    return RANK[eventLevel] >= RANK[level];
  }
}

export function logger(component: string): Logger {
  return new SeamLogger({ component });
}
