import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { GeoFedError } from '../../src/errors.ts';
import { parseIdx, readIdxGz } from '../../src/data/idx.ts';

const dir = mkdtempSync(join(tmpdir(), 'geofed-idx-'));

/** An IDX file built by hand: magic, dtype byte, dims, big-endian sizes, big-endian values. */
function idxBytes(dtype: number, shape: number[], values: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * shape.length);
  header[2] = dtype;
  header[3] = shape.length;
  const view = new DataView(header.buffer);
  shape.forEach((s, i) => view.setUint32(4 + 4 * i, s));
  const out = new Uint8Array(header.length + values.length);
  out.set(header);
  out.set(values, header.length);
  return out;
}

function writeGz(name: string, bytes: Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, gzipSync(bytes));
  return file;
}

function expectCorrupt(pattern: RegExp, file: string) {
  return (e: unknown) => e instanceof GeoFedError && pattern.test(e.message) && e.message.includes(file);
}

test('IDX: a gzipped uint8 [3, 2, 2] fixture parses to its shape and values', async () => {
  const values = Uint8Array.from({ length: 12 }, (_, i) => i * 20);
  const file = writeGz('images-idx3-ubyte.gz', idxBytes(0x08, [3, 2, 2], values));
  const idx = await readIdxGz(file);
  assert.equal(idx.dtype, 'uint8');
  assert.deepEqual(idx.shape, [3, 2, 2]);
  assert.deepEqual(Array.from(idx.data), Array.from(values));
});

test('IDX: big-endian int32 and float32 values decode correctly', () => {
  const ints = new Uint8Array(8);
  new DataView(ints.buffer).setInt32(0, -5);
  new DataView(ints.buffer).setInt32(4, 70_000);
  assert.deepEqual(Array.from(parseIdx(idxBytes(0x0c, [2], ints), 'ints').data), [-5, 70_000]);
  const floats = new Uint8Array(4);
  new DataView(floats.buffer).setFloat32(0, 1.5);
  assert.deepEqual(Array.from(parseIdx(idxBytes(0x0d, [1], floats), 'floats').data), [1.5]);
});

test('IDX: a truncated payload names the file and the sizes', async () => {
  const file = writeGz('short-idx1-ubyte.gz', idxBytes(0x08, [10], new Uint8Array(7)));
  await assert.rejects(readIdxGz(file), expectCorrupt(/shape \[10\] needs 18 bytes but the file has 15/, file));
});

test('IDX: a bad magic number or dtype is rejected', () => {
  const bytes = idxBytes(0x08, [1], new Uint8Array(1));
  bytes[0] = 1;
  assert.throws(() => parseIdx(bytes, 'x.idx'), expectCorrupt(/bad magic number/, 'x.idx'));
  assert.throws(() => parseIdx(idxBytes(0x07, [1], new Uint8Array(1)), 'y.idx'), expectCorrupt(/unknown dtype byte 0x7/, 'y.idx'));
});

test('IDX: a corrupt .gz gives a clear error naming the file', async () => {
  const good = gzipSync(idxBytes(0x08, [100], new Uint8Array(100)));
  const file = join(dir, 'corrupt-idx1-ubyte.gz');
  writeFileSync(file, good.subarray(0, good.length - 20));
  await assert.rejects(readIdxGz(file), (e: unknown) => {
    return e instanceof GeoFedError && e.message.includes(file) && /could not be decompressed/.test(e.message) && /corrupt or truncated/.test(e.describe());
  });
});

test('IDX: a file that is not gzip at all gives the same clear error', async () => {
  const file = join(dir, 'plain.gz');
  writeFileSync(file, 'hello, not gzip');
  await assert.rejects(readIdxGz(file), expectCorrupt(/could not be decompressed/, file));
});
