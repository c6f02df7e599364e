import assert from 'node:assert/strict';
import type { WeightList } from '@geofed/shared/tensor/weights';
import type { ClientUpdate, Strategy } from '../../src/strategies/index.ts';

/** A weight list from plain number arrays, one per tensor. */
export function weights(...tensors: number[][]): WeightList {
  return tensors.map((t) => Float32Array.from(t));
}

export function update(clientId: string, numSamples: number, ...tensors: number[][]): ClientUpdate {
  return { clientId, numSamples, weights: weights(...tensors) };
}

export function runRound(strategy: Strategy, round: number, global: WeightList, updates: ClientUpdate[]): WeightList {
  const aggregator = strategy.startRound(round, global);
  for (const u of updates) aggregator.add(u);
  return aggregator.finish();
}

/** Element-wise |actual - expected| <= tol (float32 results against hand-computed decimals). */
export function assertClose(actual: WeightList, expected: number[][], tol = 1e-6): void {
  assert.equal(actual.length, expected.length, 'tensor count');
  actual.forEach((t, i) => {
    assert.equal(t.length, expected[i]!.length, `tensor ${i} size`);
    t.forEach((x, j) => {
      const e = expected[i]![j]!;
      assert.ok(Math.abs(x - e) <= tol, `tensor ${i}[${j}]: got ${x}, expected ${e}`);
    });
  });
}

/** The plain numbers of a weight list, for deepEqual comparisons. */
export function plain(w: WeightList): number[][] {
  return w.map((t) => Array.from(t));
}
