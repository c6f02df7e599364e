import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GeoFedError } from '../../src/errors.ts';
import { Rng } from '../../src/math/rng.ts';
import { applyTransform, checkTransforms, partition, type DomainTransform } from '../../src/partition/index.ts';

const NEUTRAL: DomainTransform = { rotationDeg: 0, noiseStd: 0, invert: false, contrast: 1, seed: 1 };

/** A 5x5 one-channel image with a single bright pixel. */
function dot(y: number, x: number): Float32Array {
  const img = new Float32Array(25);
  img[y * 5 + x] = 1;
  return img;
}

test('domain transform: the neutral transform changes nothing', () => {
  const x = Float32Array.from({ length: 50 }, (_, i) => i / 50);
  assert.deepEqual(applyTransform(NEUTRAL, x.slice(), [5, 5, 2]), x);
});

test('domain transform: +90 degrees turns a pixel a quarter turn clockwise as displayed (top-centre to right-middle)', () => {
  const out = applyTransform({ ...NEUTRAL, rotationDeg: 90 }, dot(0, 2), [5, 5, 1]);
  assert.ok(Math.abs(out[2 * 5 + 4]! - 1) < 1e-5, `right-middle holds ${out[2 * 5 + 4]}`);
  assert.ok(Math.abs(out.reduce((a, b) => a + b, 0) - 1) < 1e-5);
});

test('domain transform: rotation works sample by sample through a batch', () => {
  const batch = new Float32Array(50);
  batch.set(dot(0, 2), 0);
  batch.set(dot(0, 2), 25);
  applyTransform({ ...NEUTRAL, rotationDeg: 180 }, batch, [5, 5, 1]);
  assert.ok(Math.abs(batch[4 * 5 + 2]! - 1) < 1e-5 && Math.abs(batch[25 + 4 * 5 + 2]! - 1) < 1e-5);
});

test('domain transform: inversion maps images to 1 - x and vectors to -x', () => {
  assert.deepEqual(applyTransform({ ...NEUTRAL, invert: true }, Float32Array.from([0, 0.25, 1, 0.5]), [2, 2, 1]), Float32Array.from([1, 0.75, 0, 0.5]));
  assert.deepEqual(applyTransform({ ...NEUTRAL, invert: true }, Float32Array.from([2, -3]), [2]), Float32Array.from([-2, 3]));
});

test("domain transform: contrast scales each sample's deviation from its own mean", () => {
  const out = applyTransform({ ...NEUTRAL, contrast: 0.5 }, Float32Array.from([0, 1, 10, 20]), [2]);
  assert.deepEqual(out, Float32Array.from([0.25, 0.75, 12.5, 17.5]));
});

test('domain transform: noise has the requested spread and is fresh on every call', () => {
  const transform = { ...NEUTRAL, noiseStd: 0.2 };
  const a = applyTransform(transform, new Float32Array(20_000), [100]);
  const b = applyTransform(transform, new Float32Array(20_000), [100]);
  const std = Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
  assert.ok(Math.abs(std - 0.2) < 0.01, `std ${std}`);
  assert.notDeepEqual(a, b);
});

test('domain transform: noise from a given Rng is reproducible', () => {
  const transform = { ...NEUTRAL, noiseStd: 0.1 };
  const a = applyTransform(transform, new Float32Array(10), [10], new Rng(9));
  const b = applyTransform(transform, new Float32Array(10), [10], new Rng(9));
  assert.deepEqual(a, b);
});

test('domain transform: rotation of vector data is refused with a remedy', () => {
  assert.throws(
    () => applyTransform({ ...NEUTRAL, rotationDeg: 10 }, new Float32Array(4), [4]),
    (e: unknown) => e instanceof GeoFedError && /needs image inputs/.test(e.message) && e.remedy !== undefined,
  );
});

test('checkTransforms refuses a domain partition with rotation for vector data before any training', () => {
  const labels = Int32Array.from({ length: 40 }, (_, i) => i % 4);
  const { transforms } = partition(labels, 4, { scheme: 'domain', clients: 4 }, 0);
  assert.throws(() => checkTransforms(transforms!, [16]), (e: unknown) => e instanceof GeoFedError && /needs image inputs/.test(e.message));
  const noRotation = partition(labels, 4, { scheme: 'domain', clients: 4, kinds: ['noise', 'contrast'] }, 0).transforms!;
  assert.doesNotThrow(() => checkTransforms(noRotation, [16]));
});
