import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '@geofed/shared/io/atomicWrite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimulationResult } from '../../src/report/result.ts';

const GEOFED = new URL('../../bin/geofed.js', import.meta.url).pathname;

export interface GridRun {
  /** Row label in the table. */
  label: string;
  config: string;
  overrides: string[];
}

/**
 * Where a grid keeps each finished run's result.json, so an interrupted benchmark loses nothing: with `reuse`, a
 * run whose config file, overrides and seed are unchanged is read back instead of trained again.
 */
export interface RunCache {
  readonly dir: string;
  readonly reuse: boolean;
}

export const RUN_CACHE_DIR = new URL('../results/.runs/', import.meta.url).pathname;

function cacheFile(cache: RunCache, run: GridRun, seed: number): string {
  const key = createHash('sha256')
    .update(JSON.stringify({ config: readFileSync(run.config, 'utf8'), overrides: run.overrides, seed }))
    .digest('hex')
    .slice(0, 24);
  return join(cache.dir, `${key}.json`);
}

/** Runs one simulation in its own process (so peak memory is its own) and returns its result.json. */
export async function runInChild(run: GridRun, seed: number, cache?: RunCache): Promise<SimulationResult> {
  const cached = cache && cacheFile(cache, run, seed);
  if (cached && cache.reuse && existsSync(cached)) {
    process.stderr.write(`  [${run.label} seed ${seed}] reused ${cached}\n`);
    return JSON.parse(readFileSync(cached, 'utf8')) as SimulationResult;
  }
  const result = await trainInChild(run, seed);
  if (cached) {
    mkdirSync(cache.dir, { recursive: true });
    writeFileAtomic(cached, JSON.stringify(result));
  }
  return result;
}

function trainInChild(run: GridRun, seed: number): Promise<SimulationResult> {
  const out = mkdtempSync(join(tmpdir(), 'geofed-bench-'));
  const args = [GEOFED, 'simulate', '--config', run.config, ...run.overrides.flatMap((o) => ['--set', o]), '--set', `seed=${seed}`, '--out', out];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, GEOFED_LOG_LEVEL: 'warn' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      process.stderr.write(`  [${run.label} seed ${seed}] ${d.toString().trimEnd().split('\n').at(-1)}\n`);
    });
    child.on('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`${run.label} seed ${seed} failed (exit ${code}): ${stderr.trim().split('\n').at(-1)}`);
        resolve(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as SimulationResult);
      } catch (e) {
        reject(e as Error);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });
  });
}

export function meanStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
}

export const pctPm = (values: readonly number[]) => {
  const { mean, std } = meanStd(values);
  return `${(100 * mean).toFixed(2)} ± ${(100 * std).toFixed(2)}`;
};

/** Command-line flags shared by the benchmarks: `--seeds 0,1,2 --rounds 20 --only fedavg --resume`. */
export function benchArgs(argv: readonly string[], defaults: { seeds: number[]; rounds: number }) {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    seeds: get('--seeds')?.split(',').map(Number) ?? defaults.seeds,
    rounds: Number(get('--rounds') ?? defaults.rounds),
    only: get('--only'),
    out: get('--out'),
    /** Rows to run, by label (comma-separated, case-insensitive); all when absent. */
    methods: get('--methods')
      ?.split(',')
      .map((m) => m.trim().toLowerCase()),
    /** Reuse finished runs kept in results/.runs (see RunCache). */
    cache: { dir: RUN_CACHE_DIR, reuse: argv.includes('--resume') } satisfies RunCache,
  };
}
