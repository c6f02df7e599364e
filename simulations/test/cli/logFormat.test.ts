import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * The log's format is what is under test here, so these read stderr: human lines by default, JSON lines only when
 * asked, never the two mixed.
 */

const GEOFED = new URL('../../bin/geofed.js', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'geofed-log-'));
const config = join(work, 'geofed.yaml');
writeFileSync(
  config,
  `
dataset: { name: synthetic, numClasses: 3, dim: 6, trainSize: 300, testSize: 150, seed: 1 }
model: { type: head, hidden: 8 }
method: { name: geofed }
clients: 3
partition: { scheme: iid }
rounds: 2
local: { batchSize: 16, lr: 0.1 }
backend: cpu
`,
);

function simulateLog(args: string[], env: Record<string, string> = {}): string[] {
  const { GEOFED_LOG_FORMAT: _ignored, ...inherited } = process.env;
  const r = spawnSync(process.execPath, [GEOFED, ...args, 'simulate', '--config', config, '--out', mkdtempSync(join(work, 'run-'))], {
    encoding: 'utf8',
    env: { ...inherited, GEOFED_LOG_LEVEL: 'info', ...env },
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stderr.split('\n').filter((l) => l.length > 0);
}

const HUMAN = /^\d\d:\d\d:\d\d\.\d{3} (DEBUG|INFO |WARN |ERROR) \S+\s+\S/;

test('by default every log line is a human line: time, level, component, message', () => {
  const lines = simulateLog([]);
  assert.ok(lines.some((l) => HUMAN.test(l) && / simulate +simulation starts .*method=geofed /.test(l)), lines.join('\n'));
  assert.deepEqual(lines.filter((l) => l.trimStart().startsWith('{')), [], 'no JSON record among human lines');
});

test('--log-format json and GEOFED_LOG_FORMAT=json write only JSON records', () => {
  for (const lines of [simulateLog(['--log-format', 'json']), simulateLog([], { GEOFED_LOG_FORMAT: 'json' })]) {
    const records = lines.map((l) => JSON.parse(l) as { msg: string; component: string; level: number; time: string; round?: number });
    assert.deepEqual(records.filter((r) => r.msg === 'round complete' && r.component === 'simulate').map((r) => r.round), [1, 2]);
    assert.ok(records.every((r) => !Number.isNaN(Date.parse(r.time))), 'ISO times');
  }
});

test('an unknown log format is refused with the valid ones', () => {
  const r = spawnSync(process.execPath, [GEOFED, '--log-format', 'xml', 'doctor'], { encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /human, json/);
});
