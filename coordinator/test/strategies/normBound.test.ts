import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStrategy, strategySpecSchema, type ClientUpdate, type StrategySpec } from '../../src/strategies/index.ts';
import { assertClose, plain, update, weights } from './helpers.ts';

const global = weights([0, 0], [0]);
// Honest updates with norms 1 .. 1.7: within 5x of any median of them.
const honest = [update('a', 1, [1, 0], [0]), update('b', 2, [0, 1.2], [0]), update('c', 1, [1, 1], [0]), update('d', 3, [0, 0], [1.7])];
const scaled = (u: ClientUpdate, factor: number, id: string): ClientUpdate => ({
  clientId: id,
  numSamples: u.numSamples,
  weights: u.weights.map((t) => t.map((x) => x * factor)),
});

function aggregate(spec: StrategySpec, updates: ClientUpdate[]) {
  const aggregator = createStrategy(spec).startRound(1, global);
  const verdicts = updates.flatMap((u) => [...aggregator.add(u)]);
  verdicts.push(...aggregator.flush());
  return { verdicts, count: aggregator.count, result: plain(aggregator.finish()) };
}

test('the norm bound is on by default for the FedAvg family: 5x the median, 3 updates of warm-up', () => {
  for (const name of ['fedavg', 'fedavgm', 'fedadam', 'fedyogi', 'fedadagrad'] as const) {
    const spec = strategySpecSchema.parse({ name });
    assert.deepEqual('normBound' in spec && spec.normBound, { maxRelative: 5, warmup: 3 }, name);
  }
  assert.equal('normBound' in strategySpecSchema.parse({ name: 'krum' }), false);
});

test('honest updates pass the default bound and sum exactly as with the bound off', () => {
  const bounded = aggregate({ name: 'fedavg' }, honest);
  assert.deepEqual(bounded.verdicts.map((v) => v.accepted), [true, true, true, true]);
  assert.deepEqual(bounded.verdicts.map((v) => v.clientId), ['a', 'b', 'c', 'd'], 'verdicts keep arrival order');
  assert.deepEqual(bounded.result, aggregate({ name: 'fedavg', normBound: 'off' }, honest).result);
});

test('an update scaled x100 is refused with its norm, the median and the setting to change', () => {
  for (const position of [0, 2, 4]) {
    const updates = [...honest];
    updates.splice(position, 0, scaled(honest[0]!, 100, 'evil'));
    const { verdicts, count, result } = aggregate({ name: 'fedavg' }, updates);
    const refused = verdicts.filter((v) => !v.accepted);
    assert.equal(refused.length, 1, `attacker at position ${position}`);
    assert.equal(refused[0]!.clientId, 'evil');
    assert.match(
      refused[0]!.accepted ? '' : refused[0]!.reason,
      /client "evil" refused: its norm \|\|w - w_global\|\| = 100\.0 is \d+(\.\d+)? times the round's median update norm 1\.\d+, above strategy\.normBound\.maxRelative = 5/,
    );
    assert.equal(count, 4);
    assert.deepEqual(result, aggregate({ name: 'fedavg' }, honest).result, 'the refused update left no trace');
  }
});

test('the warm-up holds updates without a verdict until it has enough norms for a median', () => {
  const aggregator = createStrategy({ name: 'fedavg' }).startRound(1, global);
  assert.deepEqual(aggregator.add(scaled(honest[0]!, 100, 'evil')), []);
  assert.deepEqual(aggregator.add(honest[1]!), []);
  const third = aggregator.add(honest[2]!);
  assert.deepEqual(third.map((v) => [v.clientId, v.accepted]), [['evil', false], ['b', true], ['c', true]]);
  assert.deepEqual(aggregator.add(honest[3]!), [{ clientId: 'd', accepted: true }]);
});

test('a round smaller than the warm-up is judged when flushed (finish flushes too)', () => {
  const aggregator = createStrategy({ name: 'fedavg', normBound: { maxRelative: 5, warmup: 10 } }).startRound(1, global);
  for (const u of honest) aggregator.add(u);
  aggregator.add(scaled(honest[0]!, 100, 'evil'));
  const result = aggregator.finish();
  assert.equal(aggregator.count, 4);
  assert.deepEqual(plain(result), aggregate({ name: 'fedavg', normBound: 'off' }, honest).result);
});

test('a configured clip scales an update down to the clip norm and says so', () => {
  const big = update('big', 1, [30, 40], [0]);
  const { verdicts, result } = aggregate({ name: 'fedavg', normBound: { clip: 5 } }, [big]);
  assert.deepEqual(verdicts, [{ clientId: 'big', accepted: true, note: 'update norm 50.00 clipped to strategy.normBound.clip = 5' }]);
  assert.deepEqual(result, [[3, 4], [0]]);
  assert.deepEqual(plain(big.weights), [[30, 40], [0]], "the client's arrays are left alone");
});

test('the norm is measured from the global weights, so a bound works from any starting point', () => {
  const from = weights([10, 10], [10]);
  const aggregator = createStrategy({ name: 'fedavg', normBound: { clip: 1 } }).startRound(1, from);
  aggregator.add(update('a', 1, [13, 14], [10]));
  assertClose(aggregator.finish(), [[10.6, 10.8], [10]], 1e-5);
});

test('robust strategies take no norm bound: they are unchanged', () => {
  assert.throws(() => createStrategy({ name: 'fedmedian', normBound: 'off' } as never), /unknown key "normBound"/);
});

test('a bad norm bound setting is refused with the field named', () => {
  assert.throws(() => createStrategy({ name: 'fedavg', normBound: { maxRelative: 0.5 } }), /invalid strategy spec: normBound/);
  assert.throws(() => createStrategy({ name: 'fedavg', normBound: { clip: -1 } }), /invalid strategy spec: normBound/);
});
