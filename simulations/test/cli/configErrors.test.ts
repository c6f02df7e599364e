import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isGeoFedError } from '@geofed/shared/errors';
import { fashionMnistSearchDirs } from '@geofed/shared/data/fashionMnist';
import { parseSimulationConfig } from '../../src/config/simulationConfig.ts';

/* Config mistakes are answered in GeoFed's words: the key, what is wrong, what would be right; one line. */

const BASE = { dataset: { name: 'synthetic' }, method: { name: 'geofed' }, rounds: 2 };

function errorFor(config: Record<string, unknown>): string {
  try {
    parseSimulationConfig({ ...BASE, ...config }, '/');
  } catch (e) {
    assert.ok(isGeoFedError(e), String(e));
    const line = e.describe();
    assert.ok(!line.includes('\n'), 'one line');
    return line;
  }
  assert.fail('the config was accepted');
}

test('a number that must be whole says so with the value', () => {
  assert.match(errorFor({ rounds: 2.5 }), /rounds: 2\.5 is not a whole number/);
});

test('an unknown method name gets the nearest valid one, bare or in its mapping', () => {
  assert.match(errorFor({ method: 'geofedd' }), /method: unknown name 'geofedd' — did you mean 'geofed'\?/);
  assert.match(errorFor({ method: { name: 'geofedd' } }), /method: unknown name 'geofedd' — did you mean 'geofed'\?/);
  assert.match(errorFor({ method: 'geofed' }), /method: write \{ name: geofed \}/);
});

test('a misspelt key gets the nearest valid key, at the top level and in a section', () => {
  assert.match(errorFor({ roundz: 3 }), /unknown key "roundz" at the top level — did you mean "rounds"\?/);
  assert.match(errorFor({ local: { lrr: 0.1 } }), /unknown key "lrr" in local — did you mean "lr"\?/);
});

test('no schema-library wording leaks', () => {
  const line = errorFor({ rounds: 2.5, method: 'geofedd', roundz: 1 });
  assert.doesNotMatch(line, /expected int|received|Invalid discriminator|Invalid input/);
});

test('a GEOFED_DATA_DIR that does not exist is an error, in the library and from the CLI', () => {
  assert.throws(() => fashionMnistSearchDirs({ GEOFED_DATA_DIR: '/nope/geofed-data' }), /GEOFED_DATA_DIR: \/nope\/geofed-data does not exist/);
  const work = mkdtempSync(join(tmpdir(), 'geofed-datadir-'));
  const bin = new URL('../../bin/geofed.js', import.meta.url).pathname;
  const r = spawnSync(process.execPath, [bin, 'partition', '--clients', '3', '--json'], {
    encoding: 'utf8',
    env: { ...process.env, GEOFED_DATA_DIR: join(work, 'missing') },
    timeout: 120_000,
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^geofed: error: GEOFED_DATA_DIR: .*missing does not exist — point it at/);
});
