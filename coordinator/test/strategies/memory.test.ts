import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStrategy, type Aggregator, type StrategySpec } from '../../src/strategies/index.ts';
import { DEFAULT_NORM_BOUND } from '../../src/strategies/normBound.ts';

/**
 * Walks everything an aggregator can reach through its properties (objects, arrays, Maps, Sets) and adds
 * up the distinct typed-array buffers it holds. Closures are opaque to this walk, which is why the
 * aggregators keep their data in properties.
 */
function retainedTypedArrays(root: object): { arrays: number; bytes: number } {
  const seen = new Set<unknown>();
  const buffers = new Set<ArrayBufferLike>();
  let arrays = 0;
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    if (ArrayBuffer.isView(value)) {
      arrays++;
      buffers.add(value.buffer);
      return;
    }
    if (value instanceof Map) for (const [k, v] of value) { visit(k); visit(v); }
    if (value instanceof Set) for (const v of value) visit(v);
    for (const key of Reflect.ownKeys(value)) visit((value as Record<PropertyKey, unknown>)[key]);
  };
  visit(root);
  let bytes = 0;
  for (const b of buffers) bytes += b.byteLength;
  return { arrays, bytes };
}

const sizes = [8000, 2000];
const parameters = sizes[0]! + sizes[1]!;

function addUpdate(aggregator: Aggregator, k: number): void {
  // Fresh arrays every time: an aggregator that kept references would be caught holding 1,000 of them.
  aggregator.add({ clientId: `client-${k}`, numSamples: 1 + (k % 3), weights: sizes.map((n) => new Float32Array(n).fill(k % 7)) });
}

for (const spec of [{ name: 'fedavg' }, { name: 'fedadam' }] satisfies StrategySpec[]) {
  test(`streaming ${spec.name} over 1,000 updates retains only O(model) arrays`, () => {
    const aggregator = createStrategy(spec).startRound(1, sizes.map((n) => new Float32Array(n)));
    // The norm bound holds the first DEFAULT_NORM_BOUND.warmup updates until it has a median; then lets them go.
    for (let k = 0; k < DEFAULT_NORM_BOUND.warmup; k++) addUpdate(aggregator, k);
    const afterWarmup = retainedTypedArrays(aggregator);
    for (let k = DEFAULT_NORM_BOUND.warmup; k < 1000; k++) addUpdate(aggregator, k);
    const afterThousand = retainedTypedArrays(aggregator);

    assert.deepEqual(afterThousand, afterWarmup);
    // A float32 copy of the global weights plus float64 running sums: 12 bytes per parameter.
    assert.equal(afterThousand.bytes, 12 * parameters);
    assert.equal(aggregator.count, 1000);
  });
}

test('streaming fedavg over 1,000 updates still counts every one of them', () => {
  const aggregator = createStrategy({ name: 'fedavg' }).startRound(1, sizes.map((n) => new Float32Array(n)));
  let weighted = 0;
  let total = 0;
  for (let k = 0; k < 1000; k++) {
    addUpdate(aggregator, k);
    weighted += (1 + (k % 3)) * (k % 7);
    total += 1 + (k % 3);
  }
  const result = aggregator.finish();
  assert.ok(result.every((t) => t.every((x) => x === Math.fround(weighted / total))));
});

test('the retained-array probe does see the copies a buffering strategy keeps', () => {
  const aggregator = createStrategy({ name: 'fedmedian' }).startRound(1, sizes.map((n) => new Float32Array(n)));
  addUpdate(aggregator, 0);
  const afterOne = retainedTypedArrays(aggregator);
  for (let k = 1; k < 10; k++) addUpdate(aggregator, k);
  assert.equal(retainedTypedArrays(aggregator).bytes - afterOne.bytes, 9 * 4 * parameters);
});
