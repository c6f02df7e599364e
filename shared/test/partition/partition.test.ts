import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/math/rng.ts';
import { GeoFedError } from '../../src/errors.ts';
import { partition, type PartitionSpecInput } from '../../src/partition/index.ts';
import { summarizePartition } from '../../src/partition/summary.ts';

const NUM_CLASSES = 10;

/** 5000 labels with mildly unequal class sizes, in random order. */
function makeLabels(n = 5000, seed = 7): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => Math.min(NUM_CLASSES - 1, Math.floor(rng.next() ** 1.2 * NUM_CLASSES)));
}

const labels = makeLabels();

const SPECS: PartitionSpecInput[] = [
  { scheme: 'iid', clients: 10 },
  { scheme: 'dirichlet', clients: 10, alpha: 0.1 },
  { scheme: 'shards', clients: 10, classesPerClient: 2 },
  { scheme: 'quantity', clients: 10, alpha: 0.5 },
  { scheme: 'longtail', clients: 10, imbalance: 0.05, alpha: 0.5 },
  { scheme: 'domain', clients: 10 },
];

/** How many clients hold each training index. */
function holdCounts(clients: Int32Array[], n: number): Int32Array {
  const held = new Int32Array(n);
  for (const c of clients) for (const i of c) held[i]!++;
  return held;
}

for (const spec of SPECS) {
  test(`${spec.scheme}: every training sample goes to at most one client and the counts add up`, () => {
    const result = partition(labels, NUM_CLASSES, spec, 1);
    assert.equal(result.clients.length, 10);
    const held = holdCounts(result.clients, labels.length);
    assert.ok(held.every((h) => h <= 1), 'an index is held twice');
    const assigned = held.reduce((a, b) => a + b, 0);
    assert.equal(assigned, result.clients.reduce((s, c) => s + c.length, 0));
    const summary = summarizePartition(result, labels, NUM_CLASSES);
    assert.equal(summary.counts.flat().reduce((a, b) => a + b, 0), assigned);
    if (spec.scheme === 'longtail') {
      assert.ok(assigned < labels.length, 'the long tail drops samples');
      assert.equal(summary.unassigned, labels.length - assigned);
    } else {
      assert.equal(assigned, labels.length, 'every sample assigned exactly once');
    }
  });

  test(`${spec.scheme}: same seed gives the same partition, another seed a different one`, () => {
    const a = partition(labels, NUM_CLASSES, spec, 3);
    const b = partition(labels, NUM_CLASSES, spec, 3);
    const c = partition(labels, NUM_CLASSES, spec, 4);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.clients, c.clients);
  });
}

test('iid: client sizes differ by at most one', () => {
  const sizes = partition(labels, NUM_CLASSES, { scheme: 'iid', clients: 7 }, 0).clients.map((c) => c.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes}`);
});

test('shards: every client holds exactly k distinct classes and every class is used', () => {
  for (const k of [1, 2, 3]) {
    const result = partition(labels, NUM_CLASSES, { scheme: 'shards', clients: 10, classesPerClient: k }, 5);
    const { counts } = summarizePartition(result, labels, NUM_CLASSES);
    for (const row of counts) assert.equal(row.filter((v) => v > 0).length, k);
    for (let c = 0; c < NUM_CLASSES; c++) assert.ok(counts.some((row) => row[c]! > 0), `class ${c} unused`);
  }
});

test("shards: a class's samples are split evenly among its holders", () => {
  const result = partition(labels, NUM_CLASSES, { scheme: 'shards', clients: 7, classesPerClient: 3 }, 2);
  const { counts } = summarizePartition(result, labels, NUM_CLASSES);
  for (let c = 0; c < NUM_CLASSES; c++) {
    const held = counts.map((row) => row[c]!).filter((v) => v > 0);
    assert.ok(Math.max(...held) - Math.min(...held) <= 1, `class ${c}: ${held}`);
  }
});

test('dirichlet: a huge alpha (1e5) comes close to IID', () => {
  const skewed = summarizePartition(partition(labels, NUM_CLASSES, { scheme: 'dirichlet', clients: 10, alpha: 0.1 }, 0), labels, NUM_CLASSES);
  const flat = summarizePartition(partition(labels, NUM_CLASSES, { scheme: 'dirichlet', clients: 10, alpha: 1e5 }, 0), labels, NUM_CLASSES);
  assert.ok(flat.meanTvDistance < 0.03, `TV ${flat.meanTvDistance}`);
  assert.ok(skewed.meanTvDistance > 0.4, `TV ${skewed.meanTvDistance}`);
});

test('dirichlet, quantity and longtail: every client reaches minSize', () => {
  const specs: (PartitionSpecInput & { minSize: number })[] = [
    { scheme: 'dirichlet', clients: 20, alpha: 0.05, minSize: 40 },
    { scheme: 'quantity', clients: 20, alpha: 1, minSize: 40 },
    { scheme: 'longtail', clients: 10, imbalance: 0.1, alpha: 0.1, minSize: 30 },
  ];
  for (const spec of specs) {
    for (const seed of [0, 1, 2]) {
      const sizes = partition(labels, NUM_CLASSES, spec, seed).clients.map((c) => c.length);
      assert.ok(Math.min(...sizes) >= spec.minSize, `${spec.scheme} seed ${seed}: ${sizes}`);
    }
  }
});

test('quantity: labels stay IID while sizes are skewed', () => {
  const big = makeLabels(50_000, 1);
  const summary = summarizePartition(partition(big, NUM_CLASSES, { scheme: 'quantity', clients: 5, alpha: 0.5, minSize: 1000 }, 0), big, NUM_CLASSES);
  assert.ok(summary.sizeCv > 0.2, `size cv ${summary.sizeCv}`);
  assert.ok(summary.meanTvDistance < 0.05, `TV ${summary.meanTvDistance}`);
});

test('longtail: kept class counts fall geometrically from the head to the tail', () => {
  const balanced = Int32Array.from({ length: 10_000 }, (_, i) => i % NUM_CLASSES);
  const result = partition(balanced, NUM_CLASSES, { scheme: 'longtail', clients: 5, imbalance: 0.01, alpha: 1, minSize: 0 }, 0);
  const totals = summarizePartition(result, balanced, NUM_CLASSES).counts.reduce((acc, row) => acc.map((v, c) => v + row[c]!));
  const expected = Array.from({ length: NUM_CLASSES }, (_, c) => Math.max(1, Math.floor(1000 * 0.01 ** (c / 9))));
  assert.deepEqual(totals, expected);
});

test('domain: IID split plus one distinct transform per client', () => {
  const result = partition(labels, NUM_CLASSES, { scheme: 'domain', clients: 6 }, 0);
  const transforms = result.transforms!;
  assert.equal(transforms.length, 6);
  assert.equal(new Set(transforms.map((t) => t.rotationDeg)).size, 6);
  assert.equal(transforms.filter((t) => t.invert).length, 3);
  for (const t of transforms) {
    assert.ok(Math.abs(t.rotationDeg) <= 45 && t.noiseStd > 0 && t.noiseStd <= 0.3 && t.contrast >= 0.3 && t.contrast <= 1);
  }
});

test('domain: kinds left out stay neutral', () => {
  const { transforms } = partition(labels, NUM_CLASSES, { scheme: 'domain', clients: 4, kinds: ['rotation'] }, 0);
  for (const t of transforms!) {
    assert.equal(t.noiseStd, 0);
    assert.equal(t.invert, false);
    assert.equal(t.contrast, 1);
  }
});

const BAD_INPUT: [string, () => unknown, RegExp][] = [
  ['alpha = 0', () => partition(labels, NUM_CLASSES, { scheme: 'dirichlet', clients: 10, alpha: 0 }, 0), /alpha: must be > 0/],
  ['alpha < 0', () => partition(labels, NUM_CLASSES, { scheme: 'quantity', clients: 10, alpha: -1 }, 0), /alpha: must be > 0/],
  ['more clients than samples', () => partition(labels, NUM_CLASSES, { scheme: 'iid', clients: 5001 }, 0), /5001 clients but only 5000/],
  ['k > numClasses', () => partition(labels, NUM_CLASSES, { scheme: 'shards', clients: 10, classesPerClient: 11 }, 0), /only 10 classes/],
  ['shards that leave classes unused', () => partition(labels, NUM_CLASSES, { scheme: 'shards', clients: 3, classesPerClient: 2 }, 0), /cover only 6 of the 10/],
  ['unknown scheme', () => partition(labels, NUM_CLASSES, { scheme: 'nope', clients: 2 } as never, 0), /unknown partition scheme "nope".*dirichlet/],
  ['no client count', () => partition(labels, NUM_CLASSES, { scheme: 'iid' }, 0), /needs the number of clients/],
  ['imbalance > 1', () => partition(labels, NUM_CLASSES, { scheme: 'longtail', clients: 2, alpha: 1, imbalance: 100 }, 0), /imbalance: must be <= 1, not 100/],
  ['minSize x clients > n', () => partition(labels, NUM_CLASSES, { scheme: 'dirichlet', clients: 100, alpha: 1, minSize: 51 }, 0), /min size 51 exceeds/],
  ['labels outside [0, numClasses)', () => partition(Int32Array.from([0, 1, 12]), 3, { scheme: 'dirichlet', clients: 1, alpha: 1, minSize: 0 }, 0), /label 12 of training sample 2/],
];

for (const [name, fn, pattern] of BAD_INPUT) {
  test(`bad input gives a GeoFedError: ${name}`, () => {
    assert.throws(fn, (e: unknown) => e instanceof GeoFedError && pattern.test(e.describe()));
  });
}
