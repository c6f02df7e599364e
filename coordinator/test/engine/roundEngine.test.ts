import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClientOutcome, ClientPool, RoundTask } from '@geofed/coordinator/engine/clientPool';
import { RoundEngine, type RoundEngineOptions } from '@geofed/coordinator/engine/roundEngine';
import { createStrategy } from '@geofed/coordinator/strategies/index';
import { localTrainSchema } from '@geofed/shared/config/localTrain';

/**
 * A pool of scripted clients: each answers with weights = global + its own offset, trained on `samples[i]`
 * samples; clients listed in `failing` drop out. The engine under test is real; only the transport is scripted.
 */
class ScriptedPool implements ClientPool {
  readonly tasks: RoundTask[] = [];
  constructor(
    private readonly offsets: Record<string, number>,
    private readonly failing = new Set<string>(),
  ) {}

  available(): readonly string[] {
    return Object.keys(this.offsets);
  }

  async *dispatch(task: RoundTask, clients: readonly string[]): AsyncIterable<ClientOutcome> {
    this.tasks.push(task);
    for (const id of clients) {
      if (this.failing.has(id)) {
        yield { ok: false, clientId: id, reason: 'dropped', bytesDown: 4 };
        continue;
      }
      const weights = task.weights.map((w) => w.map((v) => v + this.offsets[id]!));
      yield { ok: true, update: { clientId: id, numSamples: 1, weights, metrics: { trainLoss: this.offsets[id]! } }, bytesUp: 4, bytesDown: 4 };
    }
  }
}

function engine(pool: ClientPool, overrides: Partial<RoundEngineOptions> = {}) {
  return new RoundEngine({
    strategy: createStrategy({ name: 'fedavg' }),
    pool,
    initialWeights: [Float32Array.of(0)],
    train: localTrainSchema.parse({}),
    seed: 1,
    fractionPerRound: 1,
    minClientsPerRound: 1,
    evaluate: (w) => ({ accuracy: w[0]![0]!, loss: 0 }),
    ...overrides,
  });
}

test('a round averages the updates, evaluates and counts bytes', async () => {
  const e = engine(new ScriptedPool({ a: 1, b: 3 }));
  const record = await e.runRound();
  assert.equal(record.round, 1);
  assert.equal(e.globalWeights[0]![0], 2);
  assert.equal(record.testAccuracy, 2);
  assert.equal(record.trainLoss, 2);
  assert.deepEqual([record.bytesUp, record.bytesDown], [8, 8]);
});

test('fractionPerRound and minClientsPerRound bound the selection', async () => {
  const offsets = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`c${i}`, i]));
  assert.equal((await engine(new ScriptedPool(offsets), { fractionPerRound: 0.3 }).runRound()).clients.length, 3);
  assert.equal((await engine(new ScriptedPool(offsets), { fractionPerRound: 0.1, minClientsPerRound: 4 }).runRound()).clients.length, 4);
});

test('dropped clients are recorded and the round still aggregates the rest', async () => {
  const record = await engine(new ScriptedPool({ a: 1, b: 3, c: 5 }, new Set(['c']))).runRound();
  assert.deepEqual(record.failed, [{ clientId: 'c', reason: 'dropped' }]);
  assert.equal(record.testAccuracy, 2);
});

test('below quorum the global weights stay as they were', async () => {
  const e = engine(new ScriptedPool({ a: 1, b: 3 }, new Set(['b'])), { quorum: 2 });
  const record = await e.runRound();
  assert.equal(record.aggregated, false);
  assert.equal(e.globalWeights[0]![0], 0);
});

test('exported state restores into a fresh engine that continues identically', async () => {
  const offsets = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`c${i}`, i - 3]));
  const options = { fractionPerRound: 0.5, strategy: createStrategy({ name: 'fedavgm' }) };
  const original = engine(new ScriptedPool(offsets), options);
  await original.runRound();
  await original.runRound();
  const state = original.exportState();
  const resumed = engine(new ScriptedPool(offsets), { ...options, strategy: createStrategy({ name: 'fedavgm' }) });
  resumed.restoreState(state);
  const [a, b] = [await original.runRound(), await resumed.runRound()];
  assert.equal(b.round, 3);
  assert.deepEqual(b.clients, a.clients);
  assert.deepEqual(resumed.globalWeights, original.globalWeights);
});
