import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The test chooses backends itself, whatever the caller's environment forces.
delete process.env.GEOFED_BACKEND;
const GEOFED = new URL('../../bin/geofed.js', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'geofed-backends-'));
const config = join(work, 'run.yaml');
writeFileSync(
  config,
  `dataset: { name: synthetic, numClasses: 5, dim: 16, trainSize: 1500, testSize: 500, seed: 3 }
model: { type: mlp, hidden: [32, 16] }
clients: 5
partition: { scheme: dirichlet, alpha: 0.5 }
rounds: 5
local: { batchSize: 32, lr: 0.05 }
seed: 1
`,
);

function finalAccuracy(backend: string): { accuracy: number; backend: string } {
  const out = join(work, backend);
  const r = spawnSync(process.execPath, [GEOFED, 'simulate', '--config', config, '--set', `backend=${backend}`, '--out', out], {
    encoding: 'utf8',
    env: { ...process.env, GEOFED_LOG_LEVEL: 'warn' },
    timeout: 300_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
  return { accuracy: result.final.testAccuracy, backend: result.env.backend.name };
}

test('a 5-round simulation ends within 0.5 accuracy points on cpu and on GeoFed wasm', () => {
  const cpu = finalAccuracy('cpu');
  const wasm = finalAccuracy('wasm');
  assert.deepEqual([cpu.backend, wasm.backend], ['cpu', 'wasm'], 'result.json says which backend ran');
  assert.ok(Math.abs(cpu.accuracy - wasm.accuracy) <= 0.005, `cpu ${cpu.accuracy} vs wasm ${wasm.accuracy}`);
});
