import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClientOutcome, ClientPool, RoundTask, UpdateVerdict } from '@geofed/coordinator/engine/clientPool';
import { RoundEngine, type ServerMethod } from '@geofed/coordinator/engine/roundEngine';
import { createStrategy, type StrategySpec } from '@geofed/coordinator/strategies/index';
import { localTrainSchema } from '@geofed/shared/config/localTrain';

/** Each client moves the global weights by +1 (`evil` by +100, an update scaled x100); verdicts are recorded. */
class StepPool implements ClientPool {
  readonly verdicts: Record<string, UpdateVerdict> = {};
  constructor(private readonly ids: string[]) {}

  available(): readonly string[] {
    return this.ids;
  }

  async *dispatch(task: RoundTask, clients: readonly string[]): AsyncIterable<ClientOutcome> {
    for (const id of clients) {
      const step = id === 'evil' ? 100 : 1;
      const weights = task.weights.map((t) => t.map((x) => x + step));
      const update = { clientId: id, numSamples: 1, weights, metrics: { trainLoss: 1 } };
      yield { ok: true, update, bytesUp: 10, bytesDown: 0, settle: (v) => (this.verdicts[id] = v) };
    }
  }
}

/** Records which clients' updates reached the method's server side (GeoFed pools their statistics there). */
function absorbLog(): ServerMethod & { absorbed: string[] } {
  const absorbed: string[] = [];
  return {
    absorbed,
    taskPayload: () => undefined,
    absorb: (u) => absorbed.push(u.clientId),
    endRound: () => {},
    exportState: () => null,
    restoreState: () => {},
  };
}

function engine(pool: ClientPool, strategy: StrategySpec, method: ServerMethod) {
  return new RoundEngine({
    strategy: createStrategy(strategy),
    pool,
    initialWeights: [Float32Array.of(0, 0)],
    train: localTrainSchema.parse({}),
    seed: 1,
    fractionPerRound: 1,
    minClientsPerRound: 1,
    evaluate: () => ({ accuracy: 0, loss: 0 }),
    method,
  });
}

test('a round refuses an update scaled x100: the client hears why, the record lists it, the method never sees it', async () => {
  // 'evil' is dispatched first, so the norm bound holds it through the warm-up before refusing it.
  const pool = new StepPool(['evil', 'a', 'b', 'c', 'd']);
  const method = absorbLog();
  const e = engine(pool, { name: 'fedavg' }, method);
  const record = await e.runRound();

  assert.deepEqual(Array.from(e.globalWeights[0]!), [1, 1]);
  assert.equal(pool.verdicts.evil?.accepted, false);
  assert.match((pool.verdicts.evil as { reason: string }).reason, /norm .* times the round's median update norm/);
  for (const id of ['a', 'b', 'c', 'd']) assert.deepEqual(pool.verdicts[id], { accepted: true });
  assert.deepEqual(record.failed.map((f) => f.clientId), ['evil']);
  assert.deepEqual(method.absorbed, ['a', 'b', 'c', 'd']);
  assert.equal(record.bytesUp, 40);
  assert.equal(record.clipped, undefined);
});

test('with a configured clip every update is taken, clipped ones are listed in the round record', async () => {
  const pool = new StepPool(['a', 'evil']);
  const method = absorbLog();
  const e = engine(pool, { name: 'fedavg', normBound: { clip: 2 } }, method);
  const record = await e.runRound();

  assert.deepEqual(record.failed, []);
  assert.deepEqual(record.clipped?.map((c) => c.clientId), ['evil']);
  assert.match(record.clipped![0]!.note, /clipped to strategy\.normBound\.clip = 2/);
  // a: +1 each; evil: +100 each clipped to norm 2, i.e. +sqrt(2) each; the mean of the two.
  const expected = (1 + Math.SQRT2) / 2;
  for (const x of e.globalWeights[0]!) assert.ok(Math.abs(x - expected) < 1e-6);
  assert.deepEqual(method.absorbed, ['a', 'evil']);
});
