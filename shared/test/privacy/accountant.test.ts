import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RdpAccountant, noiseMultiplierFor, sampledGaussianRdp } from '../../src/privacy/accountant.ts';
import { DEFAULT_ORDERS } from '../../src/privacy/accountant.ts';

/**
 * The published table of the TensorFlow Privacy MNIST tutorial (tutorials/README.md, "Select Parameters"):
 * N = 60000, batch 256, delta = 1e-5, steps = ceil(epochs * N / batch), epsilon reported to two decimals,
 * computed with the classic RDP -> (epsilon, delta) conversion.
 */
const PUBLISHED = [
  { noiseMultiplier: 1.3, epochs: 15, epsilon: 1.19 },
  { noiseMultiplier: 1.1, epochs: 60, epsilon: 3.01 },
  { noiseMultiplier: 0.7, epochs: 45, epsilon: 7.1 },
];

test('the accountant reproduces the published DP-SGD epsilons of TensorFlow Privacy', () => {
  const q = 256 / 60000;
  for (const row of PUBLISHED) {
    const steps = Math.ceil((row.epochs * 60000) / 256);
    const classic = new RdpAccountant(1e-5, DEFAULT_ORDERS, 'classic');
    classic.compose([{ q, noiseMultiplier: row.noiseMultiplier }], steps);
    assert.ok(Math.abs(classic.epsilon - row.epsilon) < 0.006, `sigma ${row.noiseMultiplier}, ${row.epochs} epochs: ${classic.epsilon} vs ${row.epsilon}`);
    const improved = new RdpAccountant(1e-5);
    improved.compose([{ q, noiseMultiplier: row.noiseMultiplier }], steps);
    assert.ok(improved.epsilon < classic.epsilon, 'the improved conversion is tighter');
  }
});

test('without sampling the RDP is the Gaussian mechanism\'s alpha / (2 sigma^2); integer and fractional orders agree', () => {
  assert.equal(sampledGaussianRdp({ q: 1, noiseMultiplier: 2 }, 3), 3 / 8);
  const around = [2.9, 3, 3.1].map((a) => sampledGaussianRdp({ q: 0.01, noiseMultiplier: 1.1 }, a));
  assert.ok(around[0]! < around[1]! && around[1]! < around[2]!, `monotone in alpha: ${around}`);
});

test('composition adds up, epsilonAfter does not compose, and the calibrated noise meets its target', () => {
  const m = [{ q: 0.1, noiseMultiplier: 1.5 }];
  const once = new RdpAccountant(1e-5);
  once.compose(m, 20);
  const stepwise = new RdpAccountant(1e-5);
  for (let r = 0; r < 20; r++) stepwise.compose(m);
  assert.ok(Math.abs(once.epsilon - stepwise.epsilon) < 1e-9);
  assert.ok(Math.abs(new RdpAccountant(1e-5).epsilonAfter(m, 20) - once.epsilon) < 1e-9);
  const sigma = noiseMultiplierFor({ epsilon: 4, delta: 1e-5 }, 1, 10, 2);
  const check = new RdpAccountant(1e-5);
  check.compose([{ q: 1, noiseMultiplier: sigma }, { q: 1, noiseMultiplier: sigma }], 10);
  assert.ok(check.epsilon <= 4 && check.epsilon > 3.9, `epsilon ${check.epsilon} at sigma ${sigma}`);
});
