import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTrainLabels } from '@geofed/shared/data/registry';
import { partition } from '@geofed/shared/partition/index';

const ROOT = new URL('../../../', import.meta.url).pathname;

function geofed(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['simulations/bin/geofed.js', ...args], { cwd: ROOT }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

test('geofed partition --indices writes index lists that `scheme: file` reads back into the identical shards', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'geofed-indices-')), 'shards.json');
  const run = await geofed('partition', '--dataset', 'synthetic', '--clients', '7', '--scheme', 'dirichlet', '--alpha', '0.3', '--seed', '11', '--indices', file);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /index lists written to /);

  const data = await loadTrainLabels({ name: 'synthetic' });
  const original = partition(data.labels, data.numClasses, { scheme: 'dirichlet', clients: 7, alpha: 0.3, minSize: 10 }, 11);
  const readBack = partition(data.labels, data.numClasses, { scheme: 'file', file, clients: 7 }, 11);
  assert.deepEqual(readBack.clients, original.clients);
  const written = JSON.parse(readFileSync(file, 'utf8')) as { dataset: string; seed: number; clients: number[][] };
  assert.equal(written.dataset, 'synthetic');
  assert.equal(written.seed, 11);
  assert.equal(written.clients.flat().length, original.clients.reduce((n, c) => n + c.length, 0));
});
