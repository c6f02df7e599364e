import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GeoFedError } from '../../src/errors.ts';
import { partition } from '../../src/partition/index.ts';

const labels = Int32Array.from({ length: 20 }, (_, i) => i % 4);
const dir = mkdtempSync(join(tmpdir(), 'geofed-partition-file-'));

function writePartition(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function assertRejects(path: string, pattern: RegExp, clients?: number): void {
  assert.throws(
    () => partition(labels, 4, { scheme: 'file', file: path, ...(clients ? { clients } : {}) }, 0),
    (e: unknown) => e instanceof GeoFedError && pattern.test(e.message) && e.message.includes(path),
  );
}

test('file: reads the clients array and ignores other keys', () => {
  const path = writePartition('ok.json', { note: 'made by hand', clients: [[0, 5, 3], [1, 2], [19]] });
  const result = partition(labels, 4, { scheme: 'file', file: path }, 0);
  assert.deepEqual(result.clients, [Int32Array.from([0, 5, 3]), Int32Array.from([1, 2]), Int32Array.from([19])]);
});

test('file: an out-of-range index names the client and the index', () => {
  assertRejects(writePartition('range.json', { clients: [[0, 1], [2, 20]] }), /client 1: index 20 is outside the training set \[0, 20\)/);
});

test('file: a negative or fractional index is rejected', () => {
  assertRejects(writePartition('negative.json', { clients: [[-1]] }), /client 0: index -1 is outside/);
  assertRejects(writePartition('fraction.json', { clients: [[1.5]] }), /client 0: index 1.5 is outside/);
});

test('file: an index held by two clients names both', () => {
  assertRejects(writePartition('dup.json', { clients: [[0, 7], [3, 7]] }), /client 1: index 7 appears twice \(also in client 0\)/);
});

test('file: an index repeated within one client is rejected', () => {
  assertRejects(writePartition('dup-self.json', { clients: [[4, 4]] }), /client 0: index 4 appears twice \(also in this client\)/);
});

test('file: malformed JSON is rejected', () => {
  assertRejects(writePartition('broken.json', '{"clients": [[0, 1]'), /partition file .*JSON/);
});

test('file: a missing clients array is rejected', () => {
  assertRejects(writePartition('empty.json', { parts: [[0]] }), /needs a non-empty "clients" array/);
});

test('file: a client count other than the one asked for is rejected', () => {
  assertRejects(writePartition('count.json', { clients: [[0], [1]] }), /holds 2 clients, expected 3/, 3);
});

test('file: a missing file says so', () => {
  assertRejects(join(dir, 'absent.json'), /does not exist/);
});
