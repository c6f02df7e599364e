import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'geofed-cli-partition-'));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI the way a user would, from the repository root. */
function geofed(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['simulations/bin/geofed.js', 'partition', ...args], { cwd: ROOT }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

function assertOneLineError(run: Run, pattern: RegExp): void {
  assert.notEqual(run.code, 0);
  assert.equal(run.stdout, '');
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `stderr: ${run.stderr}`);
  assert.match(lines[0]!, /^geofed: error: /);
  assert.match(lines[0]!, pattern);
}

describe('geofed partition', { concurrency: 3 }, () => {
  test('--json prints one JSON object whose counts add up to the training set', async () => {
    const run = await geofed('--dataset', 'fashion-mnist', '--clients', '10', '--scheme', 'dirichlet', '--alpha', '0.1', '--seed', '0', '--json');
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { counts: number[][]; sizes: number[]; meanTvDistance: number; assigned: number };
    assert.equal(out.counts.length, 10);
    assert.equal(out.counts.flat().reduce((a, b) => a + b, 0), 60_000);
    assert.equal(out.sizes.reduce((a, b) => a + b, 0), 60_000);
    assert.deepEqual(out.sizes, out.counts.map((row) => row.reduce((a, b) => a + b, 0)));
    for (let c = 0; c < 10; c++) assert.equal(out.counts.reduce((s, row) => s + row[c]!, 0), 6000);
    assert.ok(out.meanTvDistance > 0.4);
    assert.ok(Math.min(...out.sizes) >= 10);
  });

  test('--plot writes a PNG heat-map and the table goes to stdout', async () => {
    const file = join(dir, 'shards.png');
    const run = await geofed('--dataset', 'synthetic', '--clients', '6', '--scheme', 'shards', '--classes-per-client', '2', '--plot', file);
    assert.equal(run.code, 0, run.stderr);
    const png = readFileSync(file);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(statSync(file).size > 20_000, `PNG of ${statSync(file).size} bytes`);
    assert.match(run.stdout, /client 5 /);
    assert.match(run.stdout, /mean classes per client 2\.00 of 10/);
  });

  test('alpha <= 0 fails with a single-line message', async () => {
    assertOneLineError(await geofed('--scheme', 'dirichlet', '--alpha', '0'), /alpha: must be > 0/);
  });

  test('an unknown scheme fails with a single-line message listing the schemes', async () => {
    assertOneLineError(await geofed('--scheme', 'pathological'), /unknown partition scheme "pathological".*iid, dirichlet, shards/);
  });

  test('an unknown data set fails with a single-line message listing the data sets', async () => {
    assertOneLineError(await geofed('--dataset', 'cifar10'), /unknown data set "cifar10".*fashion-mnist, synthetic/);
  });
});
