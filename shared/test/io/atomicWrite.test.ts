import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/io/atomicWrite.ts';

test('an atomic write replaces the file whole and leaves no temporary file behind', () => {
  const dir = mkdtempSync(join(tmpdir(), 'geofed-atomic-'));
  const file = join(dir, 'checkpoint.bin');
  writeFileAtomic(file, 'first version');
  const big = Uint8Array.from({ length: 3_000_000 }, (_, i) => i % 251);
  writeFileAtomic(file, big);
  assert.deepEqual(new Uint8Array(readFileSync(file)), big);
  assert.deepEqual(readdirSync(dir), ['checkpoint.bin']);
});

test('a write into a missing folder fails and names the path', () => {
  assert.throws(() => writeFileAtomic(join(tmpdir(), 'geofed-no-such-dir', 'x.json'), '{}'), /geofed-no-such-dir/);
});
