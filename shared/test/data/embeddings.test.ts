import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GeoFedError } from '../../src/errors.ts';
import { loadEmbeddings } from '../../src/data/embeddings.ts';
import { encodeNpy, type NpyData } from '../../src/data/npy.ts';

const dir = mkdtempSync(join(tmpdir(), 'geofed-emb-'));

function npy(name: string, data: NpyData, shape: number[]): string {
  const file = join(dir, name);
  writeFileSync(file, encodeNpy(data, shape));
  return file;
}

const trainFeatures = npy('train_x.npy', Float64Array.from({ length: 12 }, (_, i) => i / 4), [4, 3]);
const trainLabels = npy('train_y.npy', BigInt64Array.from([0n, 1n, 2n, 1n]), [4]);
const testFeatures = npy('test_x.npy', Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
const testLabels = npy('test_y.npy', Int32Array.from([2, 0]), [2]);
const files = { trainFeatures, trainLabels, testFeatures, testLabels };

function rejectsWith(pattern: RegExp) {
  return (e: unknown) => e instanceof GeoFedError && pattern.test(e.message);
}

test('embeddings: float64 features and int64 labels load as float32 / int32 vectors', async () => {
  const d = await loadEmbeddings(files);
  assert.equal(d.name, 'embeddings');
  assert.deepEqual(d.inputShape, [3]);
  assert.equal(d.numClasses, 3);
  assert.deepEqual(Array.from(d.train.x), Array.from({ length: 12 }, (_, i) => i / 4));
  assert.deepEqual(d.train.y, Int32Array.from([0, 1, 2, 1]));
  assert.equal(d.test.n, 2);
  assert.ok(d.train.x.buffer instanceof SharedArrayBuffer);
});

test('embeddings: a label count other than the feature rows is rejected', async () => {
  const short = npy('short_y.npy', Int32Array.from([0, 1, 2]), [3]);
  await assert.rejects(loadEmbeddings({ ...files, trainLabels: short }), rejectsWith(/3 labels for 4 feature rows/));
});

test('embeddings: train and test with different dimensions are rejected', async () => {
  const wide = npy('wide_x.npy', new Float32Array(8), [2, 4]);
  await assert.rejects(loadEmbeddings({ ...files, testFeatures: wide }), rejectsWith(/test features have 4 dimensions, train features 3/));
});

test('embeddings: labels outside numClasses are rejected', async () => {
  await assert.rejects(loadEmbeddings({ ...files, numClasses: 2 }), rejectsWith(/label 2 at index 2 is outside \[0, 2\)/));
});

test('embeddings: 1-D features and float labels are rejected', async () => {
  const flat = npy('flat_x.npy', new Float32Array(4), [4]);
  await assert.rejects(loadEmbeddings({ ...files, trainFeatures: flat }), rejectsWith(/must be 2-D \[n, d\]/));
  const floatLabels = npy('float_y.npy', new Float32Array(4), [4]);
  await assert.rejects(loadEmbeddings({ ...files, trainLabels: floatLabels }), rejectsWith(/labels must be int32, int64 or uint8/));
});

test('embeddings: a missing file names the path', async () => {
  await assert.rejects(loadEmbeddings({ ...files, testLabels: join(dir, 'absent.npy') }), rejectsWith(/absent\.npy/));
});
