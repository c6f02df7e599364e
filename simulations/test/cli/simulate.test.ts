import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors } from '@geofed/shared/tensor/safetensors';

const GEOFED = new URL('../../bin/geofed.js', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'geofed-cli-'));

function geofed(...args: string[]) {
  const r = spawnSync(process.execPath, [GEOFED, ...args], { encoding: 'utf8', env: { ...process.env, GEOFED_LOG_LEVEL: 'warn' }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function writeConfig(name: string, body: string): string {
  const file = join(work, name);
  writeFileSync(file, body);
  return file;
}

const SMALL = `
dataset: { name: synthetic, numClasses: 3, dim: 6, trainSize: 300, testSize: 150, seed: 1 }
model: { type: head, hidden: 8 }
clients: 3
partition: { scheme: iid }
rounds: 2
local: { batchSize: 16, lr: 0.1 }
backend: cpu
`;

test('simulate writes result.json and a curve picture, and prints a readable summary', () => {
  const out = join(work, 'ok');
  const r = geofed('simulate', '--config', writeConfig('ok.yaml', SMALL), '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /final test accuracy \d+\.\d\d% \(round 2\), mean of last 2 rounds/);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
  assert.equal(result.rounds.length, 2);
  assert.equal(result.dataset.synthetic, true, 'synthetic data is labelled as such');
  assert.equal(result.config.local.optimizer, 'sgd', 'the config is written fully resolved');
  assert.deepEqual([...readFileSync(join(out, 'curve.png')).subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
});

test('an unknown key is named, the run does not start and --out is not created', () => {
  const out = join(work, 'typo');
  const r = geofed('simulate', '--config', writeConfig('typo.yaml', SMALL.replace('lr: 0.1', 'lrr: 0.1')), '--out', out);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /unknown key "lrr" in local/);
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  assert.equal(existsSync(out), false);
});

test('a bad value says why; --set overrides are validated too', () => {
  const r = geofed('simulate', '--config', writeConfig('bad.yaml', SMALL), '--set', 'local.lr=-1', '--out', join(work, 'bad'));
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /local\.lr: .*(>0|> 0|positive|greater)/i);
});

test('a missing data file is a clear error and nothing is written', () => {
  const body = SMALL.replace(/dataset: .*/, 'dataset: { name: embeddings, trainFeatures: nope.npy, trainLabels: nope.npy, testFeatures: nope.npy, testLabels: nope.npy }');
  const out = join(work, 'missing');
  const r = geofed('simulate', '--config', writeConfig('missing.yaml', body), '--out', out);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /nope\.npy/);
  assert.equal(existsSync(out), false);
});

test('weights import converts PyTorch [out, in] tensors and a run can start from them; a mismatched file is refused', () => {
  // A head model on 6 features: backbone/dense0 [6, 8], head/dense [8, 3]. PyTorch stores weights as [out, in].
  const tensors = [
    { name: 'fc1.weight', shape: [8, 6] },
    { name: 'fc1.bias', shape: [8] },
    { name: 'fc2.weight', shape: [3, 8] },
    { name: 'fc2.bias', shape: [3] },
  ];
  for (const t of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n }, (_, i) => (i % 7) / 10 - 0.3);
    writeFileSync(join(work, `${t.name}.bin`), Buffer.from(data.buffer));
  }
  writeFileSync(join(work, 'manifest.json'), JSON.stringify({ tensors: tensors.map((t) => ({ ...t, file: `${t.name}.bin` })) }));
  const init = join(work, 'init.safetensors');
  const imported = geofed('weights', 'import', join(work, 'manifest.json'), '--transpose-dense', '--out', init);
  assert.equal(imported.code, 0, imported.stderr);
  const file = decodeSafetensors(readFileSync(init));
  assert.deepEqual(file.tensors.map((t) => t.shape), [[6, 8], [8], [8, 3], [3]]);
  // Element [out=1, in=0] of fc1.weight lands at [in=0, out=1].
  assert.equal(file.tensors[0]!.data[1], Math.fround((6 % 7) / 10 - 0.3));

  const ok = geofed('simulate', '--config', writeConfig('init.yaml', `${SMALL}\ninit: init.safetensors\n`), '--out', join(work, 'init-run'));
  assert.equal(ok.code, 0, ok.stderr);

  const wrong = geofed('weights', 'import', join(work, 'manifest.json'), '--out', join(work, 'untransposed.safetensors'));
  assert.equal(wrong.code, 0);
  const out = join(work, 'mismatch');
  const r = geofed('simulate', '--config', writeConfig('mismatch.yaml', `${SMALL}\ninit: untransposed.safetensors\n`), '--out', out);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /tensor fc1\.weight has shape \[8, 6\], the model's backbone\/dense0\/kernel needs \[6, 8\]/);
  assert.equal(existsSync(out), false);
});
