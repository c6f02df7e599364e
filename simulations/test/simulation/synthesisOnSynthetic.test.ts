import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { drawPoolRows } from '@geofed/client/synthesis/drawPoolRows';
import { planSynthesis } from '@geofed/client/synthesis/planSynthesis';
import { GeometryService } from '@geofed/coordinator/geometry/geometryService';
import { makeSynthetic } from '@geofed/shared/data/synthetic';
import { classMoments } from '@geofed/shared/geometry/moments';
import { accumulateStats, createStats } from '@geofed/shared/geometry/stats';
import { Rng } from '@geofed/shared/math/rng';
import { initBackend } from '@geofed/shared/tf/backend';

const K = 3;
const D = 6;
const ABSENT = 2;

before(async () => {
  await initBackend('cpu');
});

/**
 * The whole path on the `synthetic` data set (its features standing in for embeddings): three clients report
 * class statistics, the geometry service pools them and publishes a full-rank snapshot, and a client that holds
 * none of class 2 synthesises it. Its draws must have the pooled mean and covariance of class 2, within five
 * standard errors of Gaussian sample moments.
 */
test('synthetic features of a class a client lacks have the pooled mean and covariance', () => {
  const data = makeSynthetic({ numClasses: K, dim: D, trainSize: 3000, testSize: 10, seed: 5 });
  const { x, y, n } = data.train;
  const clients = [0, 1, 2].map((k) => Int32Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 === k && !(k === 0 && y[i] === ABSENT)));
  const rowsOf = (indices: Int32Array) => {
    const z = new Float32Array(indices.length * D);
    indices.forEach((row, r) => z.set(x.subarray(row * D, (row + 1) * D), r * D));
    return { z, labels: Int32Array.from(indices, (row) => y[row]!) };
  };
  const service = new GeometryService({ numClasses: K, dim: D, minCount: 1, rank: { fixed: D } });
  clients.forEach((indices, k) => {
    const { z, labels } = rowsOf(indices);
    assert.deepEqual(service.submit(`client-${k}`, accumulateStats(createStats(K, D), z, labels)), { accepted: true });
  });
  const pooled = service.pooled().classes.find((c) => c.label === ABSENT)!;
  const { mean, covariance } = classMoments(pooled);

  const own = rowsOf(clients[0]!);
  const draws = 20000;
  const plan = planSynthesis({ realZ: own.z, realLabels: own.labels, snapshot: service.snapshot(1), targetPerClass: draws, rng: new Rng(1), numClasses: K });
  assert.deepEqual(
    plan.summary.classes.find((c) => c.label === ABSENT),
    { label: ABSENT, real: 0, synthetic: draws, around: 'prototype' },
  );
  const first = plan.slots.find((s) => s.label === ABSENT)!.first;
  const { z, labels } = drawPoolRows(plan, Int32Array.from({ length: draws }, (_, i) => first + i), new Rng(2));
  assert.ok(labels.every((l) => l === ABSENT));

  const m = new Float64Array(D);
  for (let r = 0; r < draws; r++) for (let i = 0; i < D; i++) m[i]! += z[r * D + i]! / draws;
  const c = new Float64Array(D * D);
  for (let r = 0; r < draws; r++) {
    for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) c[i * D + j]! += ((z[r * D + i]! - m[i]!) * (z[r * D + j]! - m[j]!)) / (draws - 1);
  }
  for (let i = 0; i < D; i++) {
    assert.ok(Math.abs(m[i]! - mean[i]!) < 5 * Math.sqrt(covariance[i * D + i]! / draws), `mean[${i}] ${m[i]} vs pooled ${mean[i]}`);
    for (let j = 0; j < D; j++) {
      const s = covariance[i * D + j]!;
      const se = Math.sqrt((s * s + covariance[i * D + i]! * covariance[j * D + j]!) / draws);
      assert.ok(Math.abs(c[i * D + j]! - s) < 5 * se, `cov[${i},${j}] ${c[i * D + j]} vs pooled ${s}`);
    }
  }
});
