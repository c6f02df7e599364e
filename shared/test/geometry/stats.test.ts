import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classMoments } from '../../src/geometry/moments.ts';
import { accumulateStats, createStats, mergeStats, statsByteSize, validateStats } from '../../src/geometry/stats.ts';
import type { EmbeddingStats } from '../../src/geometry/stats.ts';
import { Rng } from '../../src/math/rng.ts';

const K = 3;
const D = 4;

function embeddings(n: number, seed: number): { z: Float32Array; labels: Int32Array } {
  const rng = new Rng(seed);
  const labels = Int32Array.from({ length: n }, () => rng.int(K));
  // Some exact zeros, as ReLU embeddings have.
  const z = Float32Array.from({ length: n * D }, () => (rng.next() < 0.2 ? 0 : 2 + rng.normal()));
  return { z, labels };
}

function statsOf(z: Float32Array, labels: Int32Array): EmbeddingStats {
  return accumulateStats(createStats(K, D), z, labels);
}

test('accumulateStats equals the per-class sums computed naively, S symmetric', () => {
  const { z, labels } = embeddings(50, 1);
  const stats = statsOf(z, labels);
  for (const c of stats.classes) {
    const rows = [...labels.keys()].filter((r) => labels[r] === c.label);
    assert.equal(c.count, rows.length);
    for (let i = 0; i < D; i++) {
      const s = rows.reduce((acc, r) => acc + z[r * D + i]!, 0);
      assert.ok(Math.abs(c.sum[i]! - s) < 1e-9);
      for (let j = 0; j < D; j++) {
        const o = rows.reduce((acc, r) => acc + z[r * D + i]! * z[r * D + j]!, 0);
        assert.ok(Math.abs(c.outer[i * D + j]! - o) < 1e-9);
        assert.equal(c.outer[i * D + j], c.outer[j * D + i]);
      }
    }
  }
});

test('accumulating in two batches and merging two clients both equal one pass over everything', () => {
  const { z, labels } = embeddings(60, 2);
  const whole = statsOf(z, labels);
  const cut = 23 * D;
  const batched = accumulateStats(statsOf(z.subarray(0, cut), labels.subarray(0, 23)), z.subarray(cut), labels.subarray(23));
  const merged = mergeStats(statsOf(z.subarray(0, cut), labels.subarray(0, 23)), statsOf(z.subarray(cut), labels.subarray(23)));
  for (const other of [batched, merged]) {
    assert.deepEqual(other.classes.map((c) => [c.label, c.count]), whole.classes.map((c) => [c.label, c.count]));
    other.classes.forEach((c, idx) => {
      const w = whole.classes[idx]!;
      c.outer.forEach((v, i) => assert.ok(Math.abs(v - w.outer[i]!) < 1e-9));
      c.sum.forEach((v, i) => assert.ok(Math.abs(v - w.sum[i]!) < 1e-9));
    });
  }
});

test('mergeStats leaves its inputs untouched', () => {
  const { z, labels } = embeddings(10, 3);
  const a = statsOf(z, labels);
  const before = a.classes.map((c) => [c.count, [...c.sum], [...c.outer]]);
  mergeStats(a, a);
  assert.deepEqual(
    a.classes.map((c) => [c.count, [...c.sum], [...c.outer]]),
    before,
  );
});

test('labels outside [0, K) and a z of the wrong length are refused', () => {
  assert.throws(() => accumulateStats(createStats(K, D), new Float32Array(D), [K]), /label 3 at row 0/);
  assert.throws(() => accumulateStats(createStats(K, D), new Float32Array(D + 1), [0]), /expected 1 x 4/);
});

test('classMoments gives the divide-by-n mean and covariance', () => {
  const z = Float32Array.of(1, 2, 3, 6); // two samples in 2 dimensions
  const stats = accumulateStats(createStats(1, 2), z, [0, 0]);
  const { mean, covariance } = classMoments(stats.classes[0]!);
  assert.deepEqual([...mean], [2, 4]);
  assert.deepEqual([...covariance], [1, 2, 2, 4]);
});

test('statsByteSize counts float64 sums plus label and count per class', () => {
  const stats = accumulateStats(createStats(K, D), new Float32Array(2 * D).fill(1), [0, 2]);
  assert.equal(statsByteSize(stats), 2 * (8 + 8 * (D + D * D)));
});

test('validateStats accepts genuine statistics', () => {
  const { z, labels } = embeddings(30, 4);
  const result = validateStats(statsOf(z, labels), { numClasses: K, dim: D });
  assert.equal(result.ok, true);
});

/** A valid message with one thing broken by `corrupt`. */
function brokenBy(corrupt: (s: EmbeddingStats) => void): unknown {
  const { z, labels } = embeddings(30, 5);
  const s = statsOf(z, labels);
  corrupt(s);
  return s;
}

const malformed: Array<[string, unknown, RegExp]> = [
  ['a non-object', 'hello', /not an object/],
  ['the wrong dim', brokenBy((s) => Object.assign(s, { dim: D + 1 })), /dim is 5, expected 4/],
  ['the wrong class count', brokenBy((s) => Object.assign(s, { numClasses: 2 })), /numClasses is 2, expected 3/],
  ['a label out of range', brokenBy((s) => Object.assign(s.classes[0]!, { label: 7 })), /label 7/],
  ['a duplicated label', brokenBy((s) => s.classes.push(s.classes[0]!)), /appears twice/],
  ['a negative count', brokenBy((s) => (s.classes[0]!.count = -3)), /count -3 is below 1/],
  ['a fractional count', brokenBy((s) => (s.classes[0]!.count = 2.5)), /count 2.5 is not an integer/],
  ['a NaN count', brokenBy((s) => (s.classes[0]!.count = NaN)), /count NaN is not an integer/],
  ['a sum of the wrong length', brokenBy((s) => Object.assign(s.classes[0]!, { sum: new Float64Array(D - 1) })), /sum must be a Float64Array of length 4/],
  ['a plain-array outer', brokenBy((s) => Object.assign(s.classes[1]!, { outer: [...s.classes[1]!.outer] })), /outer must be a Float64Array/],
  ['a NaN in the sum', brokenBy((s) => (s.classes[0]!.sum[2] = NaN)), /sum\[2\] is NaN/],
  ['an infinite outer entry', brokenBy((s) => (s.classes[0]!.outer[1 * D + 2] = Infinity)), /outer\[1, 2\] is Infinity/],
  ['an asymmetric outer', brokenBy((s) => (s.classes[0]!.outer[0 * D + 3]! += 1)), /not symmetric: \[0, 3\]/],
  ['a negative diagonal', brokenBy((s) => (s.classes[0]!.outer[2 * D + 2] = -1)), /outer\[2, 2\] = -1 is negative/],
  ['a sum too long for its squares', brokenBy((s) => s.classes[0]!.sum.forEach((_, i, a) => (a[i] = a[i]! * 10))), /exceeds count \* trace/],
];

for (const [what, msg, reason] of malformed) {
  test(`validateStats rejects ${what} with a reason`, () => {
    const result = validateStats(msg, { numClasses: K, dim: D });
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.reason, reason);
  });
}
