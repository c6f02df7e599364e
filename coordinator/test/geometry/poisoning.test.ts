import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classMoments } from '@geofed/shared/geometry/moments';
import { accumulateStats, createStats, type EmbeddingStats } from '@geofed/shared/geometry/stats';
import { Rng } from '@geofed/shared/math/rng';
import { GeometryService, type GeometryOptionsInput } from '../../src/geometry/geometryService.ts';
import { clientStatsProblem } from '../../src/geometry/statsChecks.ts';

const K = 2;
const D = 8;

/** n embeddings of one class, centred at (label + 1) in every coordinate, shifted by `shift` and scaled by `spread`. */
function classStats(n: number, label: number, rng: Rng, shift = 0, spread = 1): EmbeddingStats {
  const z = new Float32Array(n * D);
  for (let i = 0; i < z.length; i++) z[i] = label + 1 + shift + spread * rng.normal();
  return accumulateStats(createStats(K, D), z, new Int32Array(n).fill(label));
}

function meanOf(stats: EmbeddingStats, label: number): Float64Array {
  return classMoments(stats.classes.find((c) => c.label === label)!).mean;
}

function traceOf(stats: EmbeddingStats, label: number): number {
  const { covariance } = classMoments(stats.classes.find((c) => c.label === label)!);
  let t = 0;
  for (let i = 0; i < D; i++) t += covariance[i * D + i]!;
  return t;
}

function distance(a: Float64Array, b: Float64Array): number {
  return Math.hypot(...a.map((v, i) => v - b[i]!));
}

function service(pooling?: GeometryOptionsInput['pooling']): GeometryService {
  return new GeometryService({ numClasses: K, dim: D, ...(pooling ? { pooling } : {}) });
}

test('statistics of real embeddings pass every check, down to a class of one sample and fewer samples than dimensions', () => {
  const rng = new Rng(1);
  for (const n of [1, 2, D - 1, 50]) {
    const stats = classStats(n, 1, rng);
    assert.equal(clientStatsProblem(stats, { numSamples: n }), undefined, `n = ${n}`);
  }
});

test('a covariance that is not positive semi-definite is refused with the reason', () => {
  const stats = classStats(4, 0, new Rng(2));
  const c = stats.classes[0]!;
  // Symmetric, non-negative diagonal, |s|^2 <= n trace(S) still holds, but off-diagonal mass no data can make.
  c.outer[0 * D + 1] = c.outer[1 * D + 0] = c.outer[0] + c.outer[D + 1];
  assert.match(clientStatsProblem(stats, {}) ?? '', /^class 0: the covariance .* is not positive semi-definite/);
});

test('class counts that do not add up to the update numSamples are refused', () => {
  const stats = classStats(10, 0, new Rng(3));
  assert.match(clientStatsProblem(stats, { numSamples: 12 }) ?? '', /class counts add up to 10, but the client trained on numSamples = 12/);
});

test('with clipping on, statistics of longer embeddings are refused', () => {
  const stats = classStats(10, 1, new Rng(4));
  assert.match(clientStatsProblem(stats, { clipNorm: 1 }) ?? '', /^class 1: mean squared embedding norm .* exceeds clipNorm\^2 = 1/);
});

test('the service refuses statistics whose counts contradict numSamples, and the pool is untouched', () => {
  const s = service();
  assert.deepEqual(s.submit('a', classStats(5, 0, new Rng(5)), 5), { accepted: true });
  const before = s.pooled();
  const result = s.submit('b', classStats(5, 0, new Rng(6)), 500);
  assert.equal(result.accepted, false);
  assert.deepEqual(s.pooled(), before);
  assert.deepEqual(s.contributors, ['a']);
});

/** Six honest clients of class 0 and one poisoned one; returns each pooling's class-0 mean error and trace. */
function poisonedPool(pooling: GeometryOptionsInput['pooling'], poison: { shift?: number; spread?: number }) {
  const rng = new Rng(7);
  const honest = Array.from({ length: 6 }, () => classStats(40, 0, rng));
  const clean = service();
  honest.forEach((h, k) => clean.submit(`h${k}`, h));
  const s = service(pooling);
  honest.forEach((h, k) => s.submit(`h${k}`, h));
  s.submit('poisoner', classStats(40, 0, rng, poison.shift ?? 0, poison.spread ?? 1));
  return { meanError: distance(meanOf(s.pooled(), 0), meanOf(clean.pooled(), 0)), trace: traceOf(s.pooled(), 0), cleanTrace: traceOf(clean.pooled(), 0) };
}

test('exact pooling lets one client drag a class mean far away; trimmed and median-of-means pooling do not', () => {
  assert.ok(poisonedPool(undefined, { shift: 100 }).meanError > 30);
  for (const pooling of [{ kind: 'trimmed', fraction: 0.2 }, { kind: 'median-of-means', groups: 3 }] as const) {
    const { meanError } = poisonedPool(pooling, { shift: 100 });
    assert.ok(meanError < 0.5, `${pooling.kind}: mean moved by ${meanError}`);
  }
});

test('exact pooling lets one client inflate a class covariance; the robust rules keep it near the clean one', () => {
  const exact = poisonedPool(undefined, { spread: 30 });
  assert.ok(exact.trace > 10 * exact.cleanTrace);
  for (const pooling of [{ kind: 'trimmed', fraction: 0.2 }, { kind: 'median-of-means', groups: 3 }] as const) {
    const { trace, cleanTrace } = poisonedPool(pooling, { spread: 30 });
    assert.ok(trace < 1.5 * cleanTrace, `${pooling.kind}: trace ${trace} vs clean ${cleanTrace}`);
  }
});

test('under a robust rule no client outweighs the rest by claiming a huge class', () => {
  const rng = new Rng(8);
  const s = service({ kind: 'median-of-means', groups: 3 });
  for (const k of [0, 1, 2]) s.submit(`h${k}`, classStats(10, 0, rng));
  s.submit('big', classStats(5000, 0, rng));
  // Capped at 4 x the median count (10): 10 + 10 + 10 + 40.
  assert.equal(s.pooled().classes[0]!.count, 70);
});

test('a class held by fewer than three clients is pooled exactly (there is no majority to judge by)', () => {
  const rng = new Rng(9);
  const a = classStats(10, 1, rng);
  const b = classStats(10, 1, rng, 50);
  const robust = service({ kind: 'trimmed', fraction: 0.2 });
  const exact = service();
  for (const s of [robust, exact]) {
    s.submit('a', a);
    s.submit('b', b);
  }
  assert.deepEqual(robust.pooled(), exact.pooled());
});

test('a robust pool resumes from exported state to the same pooled statistics', () => {
  const rng = new Rng(10);
  const s = service({ kind: 'trimmed', fraction: 0.2 });
  for (const k of [0, 1, 2, 3]) s.submit(`c${k}`, classStats(20, 0, rng, k === 3 ? 80 : 0));
  const resumed = GeometryService.fromState(structuredClone(s.exportState()));
  assert.deepEqual(resumed.pooled(), s.pooled());
  assert.deepEqual(resumed.contributors, s.contributors);
});

test('pooling options are checked', () => {
  assert.throws(() => service({ kind: 'trimmed', fraction: 0.5 }), /invalid geometry options: pooling/);
  assert.throws(() => service({ kind: 'median-of-means', groups: 1 }), /invalid geometry options: pooling/);
});
