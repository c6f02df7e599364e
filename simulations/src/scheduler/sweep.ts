import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { GeoFedError, isGeoFedError } from '@geofed/shared/errors';
import { readYamlFile, validate } from '@geofed/shared/config/load';
import { parseSimulationConfig, type SimulationConfig } from '../config/simulationConfig.ts';

/** Sweep ids name folders and prefix job ids, so they keep to characters safe in both (BullMQ forbids `:`). */
const SWEEP_ID = /^[A-Za-z0-9_-]+$/;

const sweepFileSchema = z
  .object({
    /** The sweep id (`--name` overrides it); defaults to the file name without its extension. */
    name: z.string().regex(SWEEP_ID, 'use only letters, digits, _ and -').optional(),
    /** A simulation config, relative to the sweep file or absolute. */
    base: z.string().min(1),
    /** Config key (dotted, as for --set) -> the values to try. Every combination is one run. */
    grid: z.record(z.string().min(1), z.array(z.unknown()).min(1, 'needs at least one value')).default({}),
  })
  .strict();

/** One grid point: the value of every grid key, in grid order. */
export type GridPoint = Record<string, unknown>;

export interface SweepRun {
  /** Hash of the resolved config: the same run always gets the same key, whatever the sweep file looks like. */
  key: string;
  jobId: string;
  /** Position in the grid expansion, so tables keep the order the sweep file gives. */
  index: number;
  point: GridPoint;
  config: SimulationConfig;
}

export interface Sweep {
  id: string;
  file: string;
  /** Hash of the run keys: two sweeps with the same runs are the same sweep, whatever their files look like. */
  fingerprint: string;
  gridKeys: string[];
  runs: SweepRun[];
}

export function jobIdOf(sweepId: string, key: string): string {
  return `${sweepId}.${key}`;
}

/** JSON with object keys sorted at every level, so equal configs serialise (and hash) equally. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function configKey(config: SimulationConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16);
}

/** Every combination of the grid's values; the last key varies fastest. */
export function gridPoints(grid: Record<string, readonly unknown[]>): GridPoint[] {
  return Object.entries(grid).reduce<GridPoint[]>(
    (points, [key, values]) => points.flatMap((point) => values.map((value) => ({ ...point, [key]: value }))),
    [{}],
  );
}

export function describePoint(point: GridPoint, omit: readonly string[] = []): string {
  const parts = Object.entries(point)
    .filter(([key]) => !omit.includes(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return parts.length > 0 ? parts.join(', ') : '(base)';
}

function defaultSweepId(file: string): string {
  return basename(file, extname(file)).replace(/[^A-Za-z0-9_-]+/g, '-') || 'sweep';
}

/** Files a run reads besides the data set's own folder: each must exist before the sweep is queued. */
function inputFiles(config: SimulationConfig): Array<[string, string]> {
  const files: Array<[string, string]> = [];
  if (config.init) files.push(['init', config.init]);
  if (config.partition.scheme === 'file') files.push(['partition.file', config.partition.file]);
  if (config.dataset.name === 'embeddings') {
    const d = config.dataset;
    files.push(['dataset.trainFeatures', d.trainFeatures], ['dataset.trainLabels', d.trainLabels], ['dataset.testFeatures', d.testFeatures], ['dataset.testLabels', d.testLabels]);
  }
  return files;
}

/**
 * Expands a parsed sweep file into resolved, validated runs. Any invalid run makes the whole sweep invalid, so a
 * sweep is enqueued entirely or not at all. Grid points that resolve to the same config are one run.
 */
export function expandSweep(raw: unknown, file: string, name?: string): Sweep {
  const spec = validate(sweepFileSchema, raw, `sweep file ${file}`);
  if (name !== undefined && !isSweepId(name)) throw new GeoFedError(`--name "${name}" is not a sweep name`, { remedy: 'use only letters, digits, _ and -' });
  const basePath = isAbsolute(spec.base) ? spec.base : resolve(dirname(resolve(file)), spec.base);
  const base = readYamlFile(basePath, `base config of sweep ${file}`);
  const id = name ?? spec.name ?? defaultSweepId(file);
  const runs = new Map<string, SweepRun>();
  for (const point of gridPoints(spec.grid)) {
    // JSON is valid YAML, so applyOverrides reads each value back exactly as the sweep file gave it.
    const overrides = Object.entries(point).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
    let config: SimulationConfig;
    try {
      config = parseSimulationConfig(base, dirname(basePath), overrides);
    } catch (e) {
      if (!isGeoFedError(e)) throw e;
      throw new GeoFedError(`sweep ${file}, run ${describePoint(point)}: ${e.message}`, {
        remedy: e.remedy ?? 'fix the grid or the base config',
        code: e.code,
      });
    }
    // A missing input would only fail at a worker, after the sweep was queued: refuse the sweep now instead.
    for (const [key, path] of inputFiles(config)) {
      if (!existsSync(path)) {
        throw new GeoFedError(`sweep ${file}, run ${describePoint(point)}: ${key} ${path} does not exist`, {
          remedy: 'fix the path (relative paths are taken from the base config\'s folder) or create the file before submitting',
        });
      }
    }
    const key = configKey(config);
    if (!runs.has(key)) runs.set(key, { key, jobId: jobIdOf(id, key), index: runs.size, point, config });
  }
  const keys = [...runs.keys()].sort();
  const fingerprint = createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 16);
  return { id, file: resolve(file), fingerprint, gridKeys: Object.keys(spec.grid), runs: [...runs.values()] };
}

/** `name` (from --name) wins over the file's `name:`, which wins over the file name. */
export function loadSweep(file: string, name?: string): Sweep {
  return expandSweep(readYamlFile(file, 'sweep file'), file, name);
}

export function isSweepId(value: string): boolean {
  return SWEEP_ID.test(value);
}
