import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * A trained model comes out of a run: `geofed simulate` writes weights.safetensors beside result.json (and, with
 * checkpoints, the weights of every checkpointed round); `geofed evaluate` scores that file to exactly the run's
 * final accuracy; `geofed embed` writes .npy files numpy loads.
 */

const GEOFED = new URL('../../bin/geofed.js', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'geofed-weights-out-'));
const config = join(work, 'run.yaml');
writeFileSync(
  config,
  `dataset: { name: synthetic, numClasses: 5, dim: 12, trainSize: 600, testSize: 200, seed: 2 }
model: { type: mlp, hidden: [24, 16] }
clients: 4
partition: { scheme: dirichlet, alpha: 0.5 }
rounds: 5
local: { batchSize: 16, lr: 0.1 }
method: { name: fedetf }
backend: cpu
checkpoint: { every: 2 }
seed: 3
`,
);

function geofed(...args: string[]): string {
  const r = spawnSync(process.execPath, [GEOFED, ...args], { encoding: 'utf8', env: { ...process.env, GEOFED_LOG_LEVEL: 'warn' }, timeout: 900_000 });
  assert.equal(r.status, 0, `geofed ${args.join(' ')}:\n${r.stderr}`);
  return r.stdout;
}

const out = join(work, 'run');
const checkpoints = join(work, 'checkpoints');
const weights = join(out, 'weights.safetensors');

test('simulate writes the final weights beside result.json and each checkpointed round\'s weights beside the checkpoint', () => {
  geofed('simulate', '--config', config, '--out', out, '--checkpoint-dir', checkpoints);
  assert.ok(existsSync(join(out, 'result.json')) && existsSync(weights));
  const rounds = readdirSync(checkpoints).filter((f) => f.startsWith('weights-round-')).sort();
  assert.deepEqual(rounds, ['weights-round-0002.safetensors', 'weights-round-0004.safetensors', 'weights-round-0005.safetensors']);
  assert.deepEqual(readFileSync(join(checkpoints, rounds.at(-1)!)), readFileSync(weights), 'the last round\'s weights are the final ones');
});

test('geofed evaluate scores the weights file to exactly the run\'s final accuracy', () => {
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
  const printed = geofed('evaluate', '--weights', weights, '--config', config);
  const [, exact] = printed.match(/test accuracy [\d.]+% \(([\d.e-]+)\)/) ?? [];
  assert.equal(Number(exact), result.final.testAccuracy, printed);
});

test('geofed embed writes train and test embeddings and labels that numpy loads', () => {
  const dir = join(work, 'embeddings');
  geofed('embed', '--weights', weights, '--config', config, '--out', dir);
  const check = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      `import json, sys, numpy as np
d = sys.argv[1]
out = {}
for split in ("train", "test"):
    z = np.load(f"{d}/{split}-embeddings.npy"); y = np.load(f"{d}/{split}-labels.npy")
    out[split] = {"z": list(z.shape), "zdtype": str(z.dtype), "finite": bool(np.isfinite(z).all()), "y": list(y.shape), "classes": sorted(set(y.tolist()))}
print(json.dumps(out))`,
      dir,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(check.status, 0, check.stderr);
  const shapes = JSON.parse(check.stdout);
  for (const [split, n] of [['train', 600], ['test', 200]] as const) {
    assert.equal(shapes[split].z[0], n);
    assert.equal(shapes[split].y[0], n);
    assert.equal(shapes[split].zdtype, 'float32');
    assert.equal(shapes[split].finite, true);
    assert.deepEqual(shapes[split].classes, [0, 1, 2, 3, 4]);
  }
  assert.equal(shapes.train.z[1], shapes.test.z[1], 'one embedding dimension');
});
