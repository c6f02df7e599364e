import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GeoFedError } from '../../src/errors.ts';
import { Rng } from '../../src/math/rng.ts';
import { partition, type PartitionProgress, type PartitionSpecInput } from '../../src/partition/index.ts';

const NUM_CLASSES = 10;

function uniformLabels(n: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => rng.int(NUM_CLASSES));
}

test('an unreachable minSize fails after a few draws with an error naming minSize, not after 1000', () => {
  const labels = uniformLabels(20_000, 1);
  const specs: PartitionSpecInput[] = [
    { scheme: 'dirichlet', clients: 5_000, alpha: 0.1, minSize: 2 },
    { scheme: 'quantity', clients: 5_000, alpha: 0.1, minSize: 2 },
    { scheme: 'longtail', clients: 2_000, imbalance: 0.1, alpha: 0.1, minSize: 2 },
  ];
  for (const spec of specs) {
    const draws: PartitionProgress[] = [];
    assert.throws(
      () => partition(labels, NUM_CLASSES, spec, 0, { onProgress: (p) => draws.push(p) }),
      (e: unknown) => e instanceof GeoFedError && e.code === 'BAD_CONFIG' && /minSize 2 cannot be met/.test(e.describe()) && /lower minSize/.test(e.describe()),
    );
    assert.ok(draws.length >= 1 && draws.length <= 5, `${spec.scheme}: ${draws.length} draws`);
    assert.ok(draws.every((d, i) => d.draw === i + 1 && d.clientsShort > 0 && d.maxDraws === 1000), spec.scheme);
  }
});

test('progress reports every draw, the kept one with no client short', () => {
  const labels = uniformLabels(5_000, 2);
  const draws: PartitionProgress[] = [];
  const result = partition(labels, NUM_CLASSES, { scheme: 'dirichlet', clients: 100, alpha: 0.3, minSize: 10 }, 0, { onProgress: (p) => draws.push(p) });
  assert.ok(draws.length >= 1);
  assert.deepEqual(draws.map((d) => d.draw), draws.map((_, i) => i + 1));
  assert.equal(draws.at(-1)!.clientsShort, 0);
  assert.ok(draws.slice(0, -1).every((d) => d.clientsShort > 0));
  assert.ok(result.clients.every((c) => c.length >= 10));
});

test('with minSize 0 there may be more clients than samples: every sample still goes to exactly one client', () => {
  const labels = uniformLabels(3_000, 3);
  for (const spec of [
    { scheme: 'dirichlet', clients: 10_000, alpha: 0.5, minSize: 0 },
    { scheme: 'quantity', clients: 10_000, alpha: 0.5, minSize: 0 },
  ] as const) {
    const result = partition(labels, NUM_CLASSES, spec, 0);
    assert.equal(result.clients.length, 10_000);
    const held = new Int32Array(labels.length);
    for (const c of result.clients) for (const i of c) held[i]!++;
    assert.ok(held.every((h) => h === 1), `${spec.scheme}: a sample held twice or by nobody`);
    assert.ok(result.clients.some((c) => c.length === 0), `${spec.scheme}: expected empty clients`);
    assert.ok(result.clients.every((c) => c.every((v, i) => i === 0 || c[i - 1]! < v)), `${spec.scheme}: indices sorted`);
  }
});
