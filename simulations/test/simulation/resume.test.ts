import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINT_FILE } from '@geofed/coordinator/checkpoint/checkpoint';
import { decodeSafetensors } from '@geofed/shared/tensor/safetensors';
import { spawnGeofed, tempDir, waitFor } from '../../../coordinator/test/server/processes.ts';

/*
 * A simulation killed with SIGKILL mid-run and resumed from its checkpoint ends exactly where an uninterrupted run
 * with the same seed ends. GeoFed with a momentum strategy and half the clients per round, so the checkpoint must
 * carry the pooled geometry, the strategy's tensors and the client-sampling RNG for the runs to agree.
 */

const ROUNDS = 40;
const dir = tempDir('resume');
const configFile = join(dir, 'run.yaml');
writeFileSync(
  configFile,
  `dataset: { name: synthetic, numClasses: 5, dim: 12, trainSize: 900, testSize: 300, seed: 1 }
model: { type: mlp, hidden: [24, 16] }
clients: 6
partition: { scheme: dirichlet, alpha: 0.3 }
rounds: ${ROUNDS}
fractionPerRound: 0.5
local: { epochs: 1, batchSize: 16, lr: 0.1 }
strategy: { name: fedavgm }
method: { name: geofed }
backend: cpu
seed: 4
`,
);

const simulate = (name: string, ...args: string[]) => spawnGeofed(name, ['simulate', '--config', configFile, ...args], { GEOFED_LOG_LEVEL: 'warn' });

/** The round the checkpoint in `folder` was written after (undefined before the first). */
function checkpointRound(folder: string): number | undefined {
  const file = join(folder, CHECKPOINT_FILE);
  if (!existsSync(file)) return undefined;
  const { metadata } = decodeSafetensors(readFileSync(file));
  return (JSON.parse(metadata['geofed-checkpoint']!) as { round: number }).round;
}

/** result.json without what differs between any two runs (timings, memory). */
function outcome(outDir: string) {
  const result = JSON.parse(readFileSync(join(outDir, 'result.json'), 'utf8'));
  return {
    rounds: result.rounds.map(({ seconds: _s, ...rest }: Record<string, unknown>) => rest),
    final: result.final,
    personalization: result.personalization,
  };
}

test('a simulation killed with SIGKILL mid-run and resumed ends with exactly the uninterrupted result', { timeout: 600_000 }, async () => {
  const checkpoints = join(dir, 'checkpoints');
  const killed = simulate('killed run', '--out', join(dir, 'killed'), '--checkpoint-dir', checkpoints);
  const reached = await waitFor('a checkpoint after round 2', () => {
    const round = checkpointRound(checkpoints);
    return round !== undefined && round >= 2 ? round : undefined;
  }, 300_000, 10);
  killed.child.kill('SIGKILL');
  assert.equal(await killed.exited, 'SIGKILL');
  const killedAt = checkpointRound(checkpoints)!;
  assert.ok(killedAt >= reached && killedAt < ROUNDS, `killed after round ${killedAt} of ${ROUNDS}`);
  assert.equal(existsSync(join(dir, 'killed', 'result.json')), false, 'the killed run wrote no result');

  const resumed = simulate('resumed run', '--out', join(dir, 'resumed'), '--checkpoint-dir', checkpoints, '--resume');
  const uninterrupted = simulate('uninterrupted run', '--out', join(dir, 'uninterrupted'));
  assert.deepEqual(await Promise.all([resumed.exited, uninterrupted.exited]), [0, 0], [...resumed.lines, ...uninterrupted.lines].join('\n'));

  const expected = outcome(join(dir, 'uninterrupted'));
  assert.equal(expected.rounds.length, ROUNDS);
  assert.deepEqual(outcome(join(dir, 'resumed')), expected);
  assert.equal(checkpointRound(checkpoints), ROUNDS, 'the resumed run checkpointed its last round');
});

test('a fresh simulation refuses a checkpoint folder that already holds a checkpoint', async () => {
  const checkpoints = join(dir, 'taken');
  const first = simulate('first run', '--out', join(dir, 'first'), '--checkpoint-dir', checkpoints, '--set', 'rounds=1');
  assert.equal(await first.exited, 0, first.lines.join('\n'));
  const second = simulate('second run', '--out', join(dir, 'second'), '--checkpoint-dir', checkpoints, '--set', 'rounds=1');
  assert.equal(await second.exited, 2, 'a refused config exits with the usage-error code');
  assert.equal(existsSync(join(dir, 'second', 'result.json')), false);
  assert.equal(checkpointRound(checkpoints), 1, 'the first run\'s checkpoint is untouched');
});
