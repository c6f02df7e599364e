import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@geofed/shared/math/rng';

test('the same seed gives the same stream; another seed another', () => {
  const draw = (seed: number) => Array.from({ length: 5 }, () => new Rng(seed).next());
  assert.deepEqual(draw(1), draw(1));
  const a = new Rng(1);
  const b = new Rng(2);
  assert.notEqual(a.next(), b.next());
});

test('a state restored mid-stream continues exactly, even between two normal deviates', () => {
  const rng = new Rng(9);
  rng.normal();
  const copy = Rng.fromState(rng.state());
  assert.deepEqual([copy.normal(), copy.next(), copy.gamma(0.5)], [rng.normal(), rng.next(), rng.gamma(0.5)]);
});

test('dirichlet draws sum to one and gamma has the right mean', () => {
  const rng = new Rng(3);
  const p = rng.dirichlet([0.1, 0.1, 0.1, 0.1]);
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  let sum = 0;
  for (let i = 0; i < 20000; i++) sum += rng.gamma(2.5);
  assert.ok(Math.abs(sum / 20000 - 2.5) < 0.05, `mean ${sum / 20000}`);
});

test('sample returns distinct values in range; int rejects n <= 0', () => {
  const picked = new Rng(4).sample(10, 6);
  assert.equal(new Set(picked).size, 6);
  assert.ok(picked.every((v) => v >= 0 && v < 10));
  assert.throws(() => new Rng(0).int(0), /n > 0/);
});
