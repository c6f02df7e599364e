import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isGeoFedError } from '../../src/errors.ts';
import {
  buildFixedClassifier,
  fixedClassifierSpecSchema,
  typesThatFit,
  verifyClassifier,
  welchBound,
} from '../../src/math/classifiers/index.ts';
import type { FixedClassifier, FixedClassifierSpecInput } from '../../src/math/classifiers/index.ts';
import { columnNorms, gramOfColumns } from '../../src/math/linalg.ts';

function offDiagonalCosines(c: FixedClassifier): number[] {
  const k = c.numClasses;
  const gram = gramOfColumns(c.weights, c.dim, k);
  const out: number[] = [];
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) out.push(gram[i * k + j]!);
  return out;
}

const everyType: FixedClassifierSpecInput[] = [
  { type: 'etf', numClasses: 10, dim: 32, seed: 1 },
  { type: 'etf', numClasses: 11, dim: 10, seed: 2 },
  { type: 'simplex', numClasses: 10, dim: 9 },
  { type: 'simplex', numClasses: 5, dim: 16 },
  { type: 'orthoplex', numClasses: 7, dim: 4 },
  { type: 'cube', numClasses: 10, dim: 10 },
  { type: 'cube', numClasses: 12, dim: 40, seed: 3 },
  { type: 'ebv', numClasses: 30, dim: 12, seed: 4 },
  { type: 'sparse-etf', numClasses: 10, dim: 64, seed: 5 },
];

for (const spec of everyType) {
  test(`${spec.type} K=${spec.numClasses} d=${spec.dim}: unit-norm columns in a dim x K matrix`, () => {
    const c = buildFixedClassifier(spec);
    assert.equal(c.weights.length, spec.dim * spec.numClasses);
    for (const n of columnNorms(c.weights, c.dim, c.numClasses)) assert.ok(Math.abs(n - 1) < 1e-6, `norm ${n}`);
  });
}

for (const [k, d] of [
  [2, 2],
  [10, 64],
  [10, 9],
  [100, 128],
] as const) {
  test(`etf K=${k} d=${d}: every pairwise cosine is -1/(K-1) within 1e-5`, () => {
    const c = buildFixedClassifier({ type: 'etf', numClasses: k, dim: d, seed: 7 });
    for (const cos of offDiagonalCosines(c)) assert.ok(Math.abs(cos + 1 / (k - 1)) < 1e-5, `cos ${cos}`);
  });
}

test('simplex is the regular simplex padded with zero rows', () => {
  const c = buildFixedClassifier({ type: 'simplex', numClasses: 6, dim: 8 });
  for (const cos of offDiagonalCosines(c)) assert.ok(Math.abs(cos + 1 / 5) < 1e-6);
  for (let i = 5; i < 8; i++) for (let col = 0; col < 6; col++) assert.equal(c.weights[i * 6 + col], 0);
});

test('orthoplex vertices are pairwise orthogonal or antipodal', () => {
  const c = buildFixedClassifier({ type: 'orthoplex', numClasses: 8, dim: 4 });
  const cosines = offDiagonalCosines(c);
  assert.ok(cosines.every((v) => v === 0 || v === -1));
  assert.equal(cosines.filter((v) => v === -1).length, 4);
});

test('cube picks distinct vertices, the first two antipodal, none closer than greedy guarantees', () => {
  const c = buildFixedClassifier({ type: 'cube', numClasses: 8, dim: 6 });
  assert.ok(c.weights.every((v) => Math.abs(Math.abs(v) - 1 / Math.sqrt(6)) < 1e-7));
  const cosines = offDiagonalCosines(c);
  assert.ok(Math.abs(cosines[0]! + 1) < 1e-6, 'classes 0 and 1 are antipodal');
  // 8 codewords of length 6 can keep Hamming distance 3 (cos 0); greedy is guaranteed half of the best.
  assert.ok(Math.max(...cosines) <= 1 - (2 * 2) / 6 + 1e-6, `max cos ${Math.max(...cosines)}`);
});

for (const [k, d, tau] of [
  [100, 64, undefined],
  [30, 12, 0.3],
  [40, 40, 0.05],
] as const) {
  test(`ebv K=${k} d=${d} tau=${tau ?? 'default'}: max |cos| <= tau`, () => {
    const c = buildFixedClassifier({ type: 'ebv', numClasses: k, dim: d, seed: 11, tau });
    assert.equal(c.spec.type, 'ebv');
    const resolvedTau = c.spec.type === 'ebv' ? c.spec.tau! : NaN;
    assert.ok(resolvedTau > welchBound(k, d));
    const worst = Math.max(...offDiagonalCosines(c).map(Math.abs));
    assert.ok(worst <= resolvedTau + 1e-6, `max |cos| ${worst} > tau ${resolvedTau}`);
  });
}

test('ebv refuses a tau below the Welch bound, naming a reachable one', () => {
  assert.throws(
    () => buildFixedClassifier({ type: 'ebv', numClasses: 100, dim: 64, tau: 0.05 }),
    (e: unknown) => isGeoFedError(e) && /Welch bound 0\.0754/.test(e.message) && /tau >= 0\.098/.test(e.remedy ?? ''),
  );
});

for (const [sparsity, d] of [
  [0.6, 64],
  [0.3, 20],
  [0.9, 50],
] as const) {
  test(`sparse-etf sparsity ${sparsity} d=${d}: exactly round(sparsity*d) zeros in every column`, () => {
    const k = 10;
    const c = buildFixedClassifier({ type: 'sparse-etf', numClasses: k, dim: d, seed: 3, sparsity });
    for (let col = 0; col < k; col++) {
      let count = 0;
      for (let i = 0; i < d; i++) if (c.weights[i * k + col] === 0) count++;
      assert.equal(count, Math.round(sparsity * d), `column ${col}`);
    }
  });
}

test('sparse-etf at 60% sparsity restores the ETF angles to within 1e-3', () => {
  const k = 10;
  const c = buildFixedClassifier({ type: 'sparse-etf', numClasses: k, dim: 64, seed: 8 });
  const worst = Math.max(...offDiagonalCosines(c).map((v) => Math.abs(v + 1 / (k - 1))));
  assert.ok(worst <= 1e-3 + 1e-6, `largest deviation from the ETF cosine: ${worst}`);
});

test('sparse-etf default sparsity is 60%', () => {
  const c = buildFixedClassifier({ type: 'sparse-etf', numClasses: 5, dim: 20 });
  assert.equal(c.weights.filter((v) => v === 0).length, 5 * 12);
});

for (const type of ['etf', 'cube', 'ebv', 'sparse-etf'] as const) {
  test(`${type}: the same seed gives the same checksum, another seed another`, () => {
    const spec = { type, numClasses: 12, dim: 24, seed: 5 };
    const a = buildFixedClassifier(spec);
    const b = buildFixedClassifier(spec);
    assert.equal(a.checksum, b.checksum);
    assert.deepEqual(a.weights, b.weights);
    assert.match(a.checksum, /^[0-9a-f]{64}$/);
    assert.notEqual(buildFixedClassifier({ ...spec, seed: 6 }).checksum, a.checksum);
  });
}

test('verifyClassifier accepts an intact classifier and rejects changed weights or spec', () => {
  const c = buildFixedClassifier({ type: 'etf', numClasses: 4, dim: 8, seed: 1 });
  assert.equal(verifyClassifier(c), true);
  const weights = Float32Array.from(c.weights);
  weights[3] = weights[3]! + 1e-6;
  assert.equal(verifyClassifier({ ...c, weights }), false);
  assert.equal(verifyClassifier({ ...c, spec: { ...c.spec, seed: 2 } }), false);
});

test('a type that cannot hold K classes in d dimensions says which types can', () => {
  assert.deepEqual(typesThatFit(12, 10), ['orthoplex', 'cube', 'ebv']);
  assert.throws(
    () => buildFixedClassifier({ type: 'etf', numClasses: 12, dim: 10 }),
    (e: unknown) =>
      isGeoFedError(e) && /'etf' cannot hold 12 classes in 10 dimensions/.test(e.message) && /'orthoplex' or 'cube' or 'ebv'/.test(e.remedy ?? ''),
  );
  assert.throws(() => buildFixedClassifier({ type: 'orthoplex', numClasses: 9, dim: 4 }), /numClasses <= 2 \* dim/);
  assert.throws(() => buildFixedClassifier({ type: 'cube', numClasses: 9, dim: 3 }), /numClasses <= 2\^dim/);
});

test('an invalid spec is refused with the offending field', () => {
  assert.throws(() => buildFixedClassifier({ type: 'etf', numClasses: 1, dim: 4 }), /spec: numClasses: /);
  assert.throws(() => buildFixedClassifier({ type: 'etf', numClasses: 3, dim: 4, tau: 0.1 } as never), /unrecognized|tau/i);
  assert.equal(fixedClassifierSpecSchema.safeParse({ type: 'tetrahedron', numClasses: 3, dim: 4 }).success, false);
});
