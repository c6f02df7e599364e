import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GeoFedError } from '@geofed/shared/errors';
import { parseSimulationConfig } from '../../src/config/simulationConfig.ts';
import { configKey, expandSweep, gridPoints, loadSweep } from '../../src/scheduler/sweep.ts';

const dir = mkdtempSync(join(tmpdir(), 'geofed-sweep-'));
const BASE = 'dataset: { name: synthetic, numClasses: 3, dim: 4, trainSize: 60, testSize: 30 }\nmodel: { type: head, hidden: 4 }\nclients: 3\nrounds: 2\n';
writeFileSync(join(dir, 'base.yaml'), BASE);

function sweepFile(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, body);
  return file;
}

describe('sweep expansion', () => {
  test('every combination of the grid is one run, the last key varying fastest', () => {
    assert.deepEqual(gridPoints({ a: [1, 2], b: ['x', 'y', 'z'] }), [
      { a: 1, b: 'x' },
      { a: 1, b: 'y' },
      { a: 1, b: 'z' },
      { a: 2, b: 'x' },
      { a: 2, b: 'y' },
      { a: 2, b: 'z' },
    ]);
  });

  test('grid values land on their dotted keys of the base config', () => {
    const sweep = loadSweep(sweepFile('lr.yaml', 'base: base.yaml\ngrid:\n  local.lr: [0.01, 0.1]\n  seed: [3]\n'));
    assert.equal(sweep.id, 'lr');
    assert.deepEqual(
      sweep.runs.map((r) => [r.config.local.lr, r.config.seed, r.config.rounds]),
      [
        [0.01, 3, 2],
        [0.1, 3, 2],
      ],
    );
    assert.deepEqual(sweep.runs.map((r) => r.index), [0, 1]);
  });

  test('job ids come from the resolved config, not from how the sweep file spells it', () => {
    mkdirSync(join(dir, 'elsewhere'), { recursive: true });
    const a = loadSweep(sweepFile('same.yaml', 'base: base.yaml\ngrid:\n  rounds: [2]\n'));
    // Same config reached through an absolute base path, a default value written out and no grid at all.
    const b = expandSweep({ name: 'same', base: join(dir, 'base.yaml'), grid: { 'local.epochs': [1] } }, join(dir, 'elsewhere', 'x.yaml'));
    assert.equal(a.runs.length, 1);
    assert.equal(b.runs[0]!.key, a.runs[0]!.key);
    assert.equal(b.runs[0]!.jobId, `same.${a.runs[0]!.key}`);
    assert.notEqual(configKey({ ...a.runs[0]!.config, seed: 1 }), a.runs[0]!.key);
  });

  test('a queued config, read back from JSON, validates to the same config on the worker', () => {
    const [run] = loadSweep(sweepFile('queued.yaml', 'base: base.yaml\ngrid:\n  strategy: [{ name: fedavgm, beta: 0.5 }]\n')).runs;
    const again = parseSimulationConfig(JSON.parse(JSON.stringify(run!.config)), '/');
    assert.deepEqual(again, run!.config);
    assert.equal(configKey(again), run!.key);
  });

  test('grid points that resolve to the same config are one run', () => {
    const sweep = loadSweep(sweepFile('dup.yaml', 'base: base.yaml\ngrid:\n  rounds: [2, 2, 3]\n'));
    assert.deepEqual(sweep.runs.map((r) => r.config.rounds), [2, 3]);
  });

  test('an invalid value anywhere in the grid rejects the sweep, naming the run and the key', () => {
    const file = sweepFile('bad.yaml', 'base: base.yaml\ngrid:\n  rounds: [2, -1]\n');
    assert.throws(() => loadSweep(file), (e: unknown) => e instanceof GeoFedError && /run rounds=-1: .*rounds: /.test(e.message));
  });

  test('unknown keys and empty value lists in the sweep file itself are named', () => {
    const file = sweepFile('keys.yaml', 'base: base.yaml\ngrid:\n  seed: []\nbasis: x\n');
    assert.throws(
      () => loadSweep(file),
      (e: unknown) => e instanceof GeoFedError && /grid\.seed: must hold >= 1 items/.test(e.message) && /"basis"/.test(e.message),
    );
  });

  test('a missing base config is reported with its resolved path', () => {
    const file = sweepFile('nobase.yaml', 'base: missing.yaml\n');
    assert.throws(() => loadSweep(file), (e: unknown) => e instanceof GeoFedError && e.message.includes(join(dir, 'missing.yaml')));
  });

  test('file names that are no valid sweep id are turned into one', () => {
    assert.equal(loadSweep(sweepFile('my sweep.v2.yaml', 'base: base.yaml\n')).id, 'my-sweep-v2');
  });
});
