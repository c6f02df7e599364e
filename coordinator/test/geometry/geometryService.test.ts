import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classMoments } from '@geofed/shared/geometry/moments';
import { snapshotByteSize } from '@geofed/shared/geometry/snapshot';
import { accumulateStats, createStats } from '@geofed/shared/geometry/stats';
import type { EmbeddingStats } from '@geofed/shared/geometry/stats';
import { Rng } from '@geofed/shared/math/rng';
import { GeometryService } from '../../src/geometry/geometryService.ts';
import { selectRank } from '../../src/geometry/classShape.ts';

const K = 3;
const D = 6;

interface ClientData {
  z: Float32Array;
  labels: Int32Array;
}

/** Class c's embeddings are centred at 3c + 1 in every coordinate, with correlated noise. */
function sampleData(n: number, rng: Rng, allowed: number[] = [0, 1, 2]): ClientData {
  const labels = Int32Array.from({ length: n }, () => allowed[rng.int(allowed.length)]!);
  const z = new Float32Array(n * D);
  for (let r = 0; r < n; r++) {
    const shared = rng.normal();
    for (let i = 0; i < D; i++) z[r * D + i] = 3 * labels[r]! + 1 + (i + 1) * rng.normal() * 0.3 + shared;
  }
  return { z, labels };
}

function statsOf(data: ClientData): EmbeddingStats {
  return accumulateStats(createStats(K, D), data.z, data.labels);
}

/** Mean and divide-by-N covariance of one class over several clients' raw embeddings, two-pass, float64. */
function centralMoments(clients: ClientData[], label: number) {
  const rows: Float64Array[] = [];
  for (const c of clients) c.labels.forEach((l, r) => l === label && rows.push(Float64Array.from(c.z.subarray(r * D, (r + 1) * D))));
  const mean = new Float64Array(D);
  for (const x of rows) x.forEach((v, i) => (mean[i]! += v / rows.length));
  const cov = new Float64Array(D * D);
  for (const x of rows) for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) cov[i * D + j]! += ((x[i]! - mean[i]!) * (x[j]! - mean[j]!)) / rows.length;
  return { mean, cov, count: rows.length };
}

function relativeError(a: Float64Array, b: Float64Array): number {
  let diff = 0;
  let scale = 0;
  a.forEach((v, i) => {
    diff = Math.max(diff, Math.abs(v - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  });
  return diff / scale;
}

for (const seed of [1, 2, 3, 4]) {
  test(`pooled mean and covariance equal the central ones on the union (split seed ${seed})`, () => {
    const rng = new Rng(seed);
    const clients: ClientData[] = [
      sampleData(1, rng), // a client with a single sample
      sampleData(40, rng, [0, 1]), // a client missing class 2
      ...Array.from({ length: 2 + rng.int(4) }, () => sampleData(5 + rng.int(80), rng)),
    ];
    const service = new GeometryService({ numClasses: K, dim: D, minCount: 1 });
    clients.forEach((c, i) => assert.deepEqual(service.submit(`client-${i}`, statsOf(c)), { accepted: true }));
    for (const pooled of service.pooled().classes) {
      const central = centralMoments(clients, pooled.label);
      const { mean, covariance } = classMoments(pooled);
      assert.equal(pooled.count, central.count);
      assert.ok(relativeError(mean, central.mean) < 1e-6, `mean of class ${pooled.label}`);
      assert.ok(relativeError(covariance, central.cov) < 1e-6, `covariance of class ${pooled.label}`);
    }
  });
}

test('a full-rank snapshot reconstructs the pooled covariance from its eigenpairs (float32 precision)', () => {
  const rng = new Rng(9);
  const clients = [sampleData(50, rng), sampleData(70, rng)];
  const service = new GeometryService({ numClasses: K, dim: D, rank: { fixed: D } });
  clients.forEach((c, i) => service.submit(`c${i}`, statsOf(c)));
  const snapshot = service.snapshot(3);
  assert.equal(snapshot.round, 3);
  assert.equal(snapshot.noise, null);
  for (const g of snapshot.classes) {
    const central = centralMoments(clients, g.label);
    const rebuilt = new Float64Array(D * D);
    for (let m = 0; m < D; m++) {
      for (let i = 0; i < D; i++) {
        for (let j = 0; j < D; j++) rebuilt[i * D + j]! += g.eigenvalues[m]! * g.eigenvectors[m * D + i]! * g.eigenvectors[m * D + j]!;
      }
    }
    assert.ok(relativeError(rebuilt, central.cov) < 1e-5);
    assert.ok(relativeError(Float64Array.from(g.prototype), central.mean) < 1e-6);
    assert.equal(g.residualVariance, 0);
  }
});

test('malformed statistics are rejected with a reason and leave the pool unchanged', () => {
  const rng = new Rng(5);
  const service = new GeometryService({ numClasses: K, dim: D });
  service.submit('good', statsOf(sampleData(30, rng)));
  const before = service.exportState();
  const wrongDim = accumulateStats(createStats(K, D + 1), new Float32Array(D + 1), [0]);
  const negativeCount = statsOf(sampleData(10, rng));
  negativeCount.classes[0]!.count = -1;
  // The NaN sits in a later class, so a service that merged class by class before checking would corrupt the pool.
  const nan = statsOf(sampleData(30, rng));
  nan.classes[nan.classes.length - 1]!.sum[0] = NaN;
  const cases: Array<[string, unknown, RegExp]> = [
    ['wrong-dim', wrongDim, /dim is 7, expected 6/],
    ['negative', negativeCount, /count -1/],
    ['nan', nan, /sum\[0\] is NaN/],
  ];
  for (const [id, msg, reason] of cases) {
    const result = service.submit(id, msg);
    assert.equal(result.accepted, false);
    if (!result.accepted) assert.match(result.reason, reason);
  }
  assert.deepEqual(service.exportState(), before);
  assert.deepEqual(service.contributors, ['good']);
});

test('a second message from the same client in one pool is refused', () => {
  const rng = new Rng(6);
  const service = new GeometryService({ numClasses: K, dim: D });
  service.submit('a', statsOf(sampleData(10, rng)));
  const again = service.submit('a', statsOf(sampleData(10, rng)));
  assert.deepEqual(again, { accepted: false, reason: 'client a already contributed to this pool' });
  service.reset();
  assert.equal(service.pooled().classes.length, 0);
  assert.equal(service.submit('a', statsOf(sampleData(10, rng))).accepted, true);
});

test('classes below minCount are withheld from the snapshot', () => {
  const service = new GeometryService({ numClasses: K, dim: D, minCount: 5 });
  const rng = new Rng(7);
  const data = sampleData(40, rng, [0, 1]);
  const fewOfTwo = sampleData(4, rng, [2]);
  service.submit('a', statsOf(data));
  service.submit('b', statsOf(fewOfTwo));
  const snapshot = service.snapshot(1);
  assert.deepEqual(snapshot.withheld, [2]);
  assert.deepEqual(
    snapshot.classes.map((c) => c.label),
    [0, 1],
  );
});

test('rank selection: variance fraction, fixed p, and the maxRank cap', () => {
  const values = Float64Array.of(5, 3, 1, 0.5, 0.5, 0);
  assert.equal(selectRank(values, { varianceFraction: 0.5 }), 1); // 5/10
  assert.equal(selectRank(values, { varianceFraction: 0.8 }), 2); // 8/10
  assert.equal(selectRank(values, { varianceFraction: 0.95 }), 4); // 9.5/10
  assert.equal(selectRank(values, { varianceFraction: 1 }), 5);
  assert.equal(selectRank(values, { fixed: 3 }), 3);
  assert.equal(selectRank(values, { varianceFraction: 0.95 }, 2), 2);
  assert.equal(selectRank(values, { fixed: 10 }), 6);
  assert.equal(selectRank(new Float64Array(4), { varianceFraction: 0.95 }), 0);
});

test('the residual variance is the mean of the eigenvalues that were not kept', () => {
  // One class with exact statistics for mean 0 and covariance diag(9, 4, 1, 1, 1, 1): N = 100.
  const n = 100;
  const variances = [9, 4, 1, 1, 1, 1];
  const outer = new Float64Array(D * D);
  variances.forEach((v, i) => (outer[i * D + i] = n * v));
  const service = new GeometryService({ numClasses: 1, dim: D, rank: { fixed: 2 } });
  service.submit('x', { numClasses: 1, dim: D, classes: [{ label: 0, count: n, sum: new Float64Array(D), outer }] });
  const [g] = service.snapshot(0).classes;
  assert.deepEqual([...g!.eigenvalues], [9, 4]);
  assert.ok(Math.abs(g!.residualVariance - 1) < 1e-12);
  const off = new GeometryService({ numClasses: 1, dim: D, rank: { fixed: 2 }, residual: false });
  off.submit('x', { numClasses: 1, dim: D, classes: [{ label: 0, count: n, sum: new Float64Array(D), outer }] });
  assert.equal(off.snapshot(0).classes[0]!.residualVariance, 0);
});

test('privacy noise changes counts, sums and S by the recorded standard deviations', () => {
  const d = 20;
  const dp = { noiseMultiplier: 0.8, clipNorm: 2.5 };
  const service = new GeometryService({ numClasses: 5, dim: d, dp, seed: 3 });
  const rng = new Rng(8);
  const labels = Int32Array.from({ length: 200 }, (_, i) => i % 5);
  const z = Float32Array.from({ length: 200 * d }, () => rng.normal() * 0.3);
  assert.equal(service.submit('a', accumulateStats(createStats(5, d), z, labels)).accepted, true);
  const exact = service.pooled();
  const deviations = { count: [] as number[], sum: [] as number[], outer: [] as number[] };
  let recorded;
  for (let release = 0; release < 200; release++) {
    const { stats, noise } = service.release();
    recorded = noise!;
    stats.classes.forEach((c, k) => {
      const e = exact.classes[k]!;
      deviations.count.push(c.count - e.count);
      c.sum.forEach((v, i) => deviations.sum.push(v - e.sum[i]!));
      for (let i = 0; i < d; i++) {
        for (let j = i; j < d; j++) {
          deviations.outer.push(c.outer[i * d + j]! - e.outer[i * d + j]!);
          assert.equal(c.outer[i * d + j], c.outer[j * d + i]);
        }
      }
    });
  }
  assert.deepEqual(recorded, { countStd: 0.8, sumStd: 0.8 * 2.5, outerStd: 0.8 * 2.5 ** 2 });
  for (const [key, expected] of [
    ['count', recorded!.countStd],
    ['sum', recorded!.sumStd],
    ['outer', recorded!.outerStd],
  ] as const) {
    const xs = deviations[key];
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
    // Five standard errors: of the mean, std/sqrt(n); of a Gaussian sample's std, about std/sqrt(2n).
    assert.ok(Math.abs(mean) < (5 * expected) / Math.sqrt(xs.length), `${key}: mean ${mean}`);
    assert.ok(Math.abs(std / expected - 1) < 5 / Math.sqrt(2 * xs.length), `${key}: std ${std} vs ${expected}`);
  }
  assert.deepEqual(service.snapshot(1).noise, recorded);
});

test('with privacy on, statistics of unclipped embeddings are refused', () => {
  const service = new GeometryService({ numClasses: 1, dim: 2, dp: { noiseMultiplier: 1, clipNorm: 1 } });
  const result = service.submit('a', accumulateStats(createStats(1, 2), Float32Array.of(3, 4), [0]));
  assert.equal(result.accepted, false);
  if (!result.accepted) assert.match(result.reason, /exceeds clipNorm\^2/);
});

test('exported state resumes to the same snapshots, noise included', () => {
  const rng = new Rng(10);
  const options = { numClasses: K, dim: D, dp: { noiseMultiplier: 0.5, clipNorm: 50 }, seed: 4 };
  const a = new GeometryService(options);
  a.submit('x', statsOf(sampleData(60, rng)));
  a.snapshot(0);
  const b = GeometryService.fromState(structuredClone(a.exportState()));
  assert.deepEqual(b.contributors, ['x']);
  assert.deepEqual(b.snapshot(1), a.snapshot(1));
});

test('invalid options are refused with the offending field', () => {
  assert.throws(() => new GeometryService({ numClasses: K, dim: D, rank: { varianceFraction: 1.5 } }), /geometry options: rank.varianceFraction: /);
});

test('snapshotByteSize counts float32 arrays and per-class scalars', () => {
  const rng = new Rng(11);
  const service = new GeometryService({ numClasses: K, dim: D, rank: { fixed: 2 } });
  service.submit('x', statsOf(sampleData(60, rng)));
  const snapshot = service.snapshot(0);
  const perClass = 16 + 4 * (D + 2 + 2 * D);
  assert.equal(snapshotByteSize(snapshot), 16 + 12 + snapshot.classes.length * perClass);
});
