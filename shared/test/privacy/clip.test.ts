import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clipRows } from '../../src/privacy/clip.ts';

test('clipRows scales only rows longer than the bound, onto it, and leaves the input alone', () => {
  const z = Float32Array.from([3, 4, 0, 0.3, 0.4, 0, 0, 0, 12]);
  const clipped = clipRows(z, 3, 2);
  const norms = [0, 1, 2].map((r) => Math.hypot(...clipped.subarray(3 * r, 3 * r + 3)));
  assert.ok(norms[0]! <= 2 && norms[0]! > 1.9999, `row 0 norm ${norms[0]}`);
  assert.ok(Math.abs(clipped[1]! / clipped[0]! - 4 / 3) < 1e-6 && clipped[2] === 0, 'direction kept');
  assert.deepEqual([...clipped.subarray(3, 6)], [...z.subarray(3, 6)], 'a short row is untouched');
  assert.ok(norms[2]! <= 2);
  assert.equal(z[0], 3, 'input unchanged');
  assert.throws(() => clipRows(z, 3, 0), /clipNorm must be positive/);
});
