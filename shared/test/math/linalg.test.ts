import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnNorms, cosine, gramOfColumns, matmul, orthonormalColumns, transpose } from '../../src/math/linalg.ts';
import { Rng } from '../../src/math/rng.ts';

function gaussian(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => rng.normal());
}

test('matmul and transpose agree with a hand-computed product', () => {
  const a = Float64Array.of(1, 2, 3, 4, 5, 6); // 2 x 3
  const b = Float64Array.of(7, 8, 9, 10, 11, 12); // 3 x 2
  assert.deepEqual([...matmul(a, b, 2, 3, 2)], [58, 64, 139, 154]);
  assert.deepEqual([...transpose(a, 2, 3)], [1, 4, 2, 5, 3, 6]);
});

test('cosine is 1 for parallel, -1 for opposite, 0 for orthogonal and for the zero vector', () => {
  assert.ok(Math.abs(cosine(Float64Array.of(1, 2), Float64Array.of(2, 4)) - 1) < 1e-15);
  assert.ok(Math.abs(cosine(Float64Array.of(1, 2), Float64Array.of(-1, -2)) + 1) < 1e-15);
  assert.equal(cosine(Float64Array.of(1, 0), Float64Array.of(0, 3)), 0);
  assert.equal(cosine(Float64Array.of(0, 0), Float64Array.of(0, 3)), 0);
});

test('QR gives orthonormal columns Q with Q^T A upper triangular and a non-negative diagonal', () => {
  const rows = 9;
  const cols = 5;
  const a = gaussian(rows * cols, 3);
  const q = orthonormalColumns(a, rows, cols);
  const qtq = gramOfColumns(q, rows, cols);
  for (let i = 0; i < cols; i++) {
    for (let j = 0; j < cols; j++) assert.ok(Math.abs(qtq[i * cols + j]! - (i === j ? 1 : 0)) < 1e-12, `Q^TQ[${i},${j}]`);
  }
  const r = matmul(transpose(q, rows, cols), a, cols, rows, cols);
  for (let i = 0; i < cols; i++) {
    assert.ok(r[i * cols + i]! >= 0, `R[${i},${i}] negative`);
    for (let j = 0; j < i; j++) assert.ok(Math.abs(r[i * cols + j]!) < 1e-12, `R[${i},${j}] below the diagonal`);
  }
  const back = matmul(q, r, rows, cols, cols);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(back[i]! - a[i]!) < 1e-12);
});

test('columnNorms gives the Euclidean norm of each column', () => {
  assert.deepEqual([...columnNorms(Float64Array.of(3, 0, 4, 2), 2, 2)], [5, 2]);
});
