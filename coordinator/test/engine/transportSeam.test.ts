import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClientOutcome, ClientPool, RoundTask, UpdateVerdict } from '@geofed/coordinator/engine/clientPool';
import { RoundEngine } from '@geofed/coordinator/engine/roundEngine';
import { createStrategy } from '@geofed/coordinator/strategies/index';
import { localTrainSchema } from '@geofed/shared/config/localTrain';

/** Clients answering with the global weights (or, for `bad`, a wrong-sized tensor); verdicts are recorded. */
class VerdictPool implements ClientPool {
  readonly verdicts: Record<string, UpdateVerdict> = {};
  constructor(private readonly ids: string[]) {}

  available(): readonly string[] {
    return this.ids;
  }

  async *dispatch(task: RoundTask, clients: readonly string[]): AsyncIterable<ClientOutcome> {
    for (const id of clients) {
      const weights = id === 'bad' ? [new Float32Array(3)] : task.weights;
      yield { ok: true, update: { clientId: id, numSamples: 1, weights }, bytesUp: 0, bytesDown: 0, settle: (v) => (this.verdicts[id] = v) };
    }
  }
}

const engine = (pool: ClientPool, clientsPerRound?: number) =>
  new RoundEngine({
    strategy: createStrategy({ name: 'fedavg' }),
    pool,
    initialWeights: [Float32Array.of(0)],
    train: localTrainSchema.parse({}),
    seed: 1,
    fractionPerRound: 1,
    minClientsPerRound: 1,
    ...(clientsPerRound !== undefined ? { clientsPerRound } : {}),
    evaluate: () => ({ accuracy: 0, loss: 0 }),
  });

test("the engine tells the transport whether the aggregator took each update", async () => {
  const pool = new VerdictPool(['bad', 'good']);
  await engine(pool).runRound();
  assert.deepEqual(pool.verdicts.good, { accepted: true });
  assert.equal(pool.verdicts.bad?.accepted, false);
  assert.match((pool.verdicts.bad as { reason: string }).reason, /tensor 0 has 3 values/);
});

test('clientsPerRound fixes the number of clients sampled', () => {
  const e = engine(new VerdictPool([]), 3);
  assert.equal(e.selectClients(['a', 'b', 'c', 'd', 'e', 'f']).length, 3);
  assert.equal(e.selectClients(['a', 'b']).length, 2);
});
