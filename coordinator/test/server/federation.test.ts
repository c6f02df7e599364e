import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { RoundSummary } from '@geofed/coordinator/server/coordinator';
import {
  fetchStatus,
  kill,
  killAll,
  logRecords,
  startClientProcess,
  startCoordinatorProcess,
  tempDir,
  tokenFor,
  waitFor,
  waitForLine,
  type CoordinatorProc,
  type Proc,
} from './processes.ts';

/*
 * One federation of real processes on loopback: a coordinator and five edge clients, each holding its shard of
 * the synthetic data set. The tests run in order on it: clean rounds, a client killed mid-round, the coordinator
 * killed and resumed.
 */

const CLIENTS = 5;
const ids = Array.from({ length: CLIENTS }, (_, k) => `client-${String(k).padStart(4, '0')}`);
const dir = tempDir('federation');
const checkpointDir = join(dir, 'checkpoints');
const config = {
  dataset: 'synthetic',
  model: { type: 'mlp', hidden: [32] },
  rounds: 60,
  local: { epochs: 1, batchSize: 32, lr: 0.05 },
  waitForClients: CLIENTS,
  // A resumed coordinator waits for minClientsPerRound unless told otherwise; this test wants every client back first.
  resumeWaitForClients: CLIENTS,
  quorum: 3,
  deadlineSeconds: 60,
  reconnectGraceSeconds: 1.5,
  heartbeatSeconds: 1,
  auth: { tokens: Object.fromEntries(ids.map((id) => [id, tokenFor(id)])) },
};

let coordinator: CoordinatorProc;
const clients: Proc[] = [];

const startClient = (k: number) => startClientProcess({ url: coordinator.url, index: k, clients: CLIENTS, token: tokenFor(ids[k]!) });

/** The coordinator's record of `round`, once it completes. */
async function roundRecord(proc: Proc, round: number, timeoutMs = 60_000): Promise<RoundSummary> {
  await waitForLine(proc, new RegExp(`"round":${round},.*"msg":"round complete"`), timeoutMs);
  return logRecords(proc).find((r) => r.msg === 'round complete' && r.round === round) as unknown as RoundSummary;
}

before(async () => {
  coordinator = await startCoordinatorProcess(dir, config, { args: ['--checkpoint-dir', checkpointDir] });
  for (let k = 0; k < CLIENTS; k++) clients.push(startClient(k));
});

after(killAll);

test('a coordinator and five client processes complete three rounds and the global accuracy rises', async () => {
  const status = await waitFor('round 3', async () => {
    const s = await fetchStatus(coordinator.url);
    return s.round >= 3 ? s : undefined;
  }, 150_000);
  const [first, , third] = status.history;
  const initial = logRecords(coordinator).find((r) => r.msg === 'initial model evaluated')!;
  for (const record of status.history.slice(0, 3)) assert.deepEqual(record.accepted, ids, `round ${record.round}`);
  assert.ok(third!.testAccuracy > first!.testAccuracy, `accuracy ${first!.testAccuracy} -> ${third!.testAccuracy}`);
  assert.ok(first!.testAccuracy > (initial.testAccuracy as number) + 0.2, `initial ${String(initial.testAccuracy)}, round 1 ${first!.testAccuracy}`);
});

test('the coordinator port answers /healthz, /status and /metrics', async () => {
  const health = await fetch(`${coordinator.url}/healthz`);
  assert.deepEqual(await health.json(), { ok: true });
  const status = await fetchStatus(coordinator.url);
  assert.equal(status.clients, CLIENTS);
  assert.ok(status.round >= 3 && status.lastMetrics !== null && status.lastMetrics.round === status.round);
  const metrics = await (await fetch(`${coordinator.url}/metrics`)).text();
  assert.match(metrics, /^geofed_rounds_completed \d+$/m);
  assert.match(metrics, /^geofed_clients_connected 5$/m);
  assert.match(metrics, /^process_resident_memory_bytes \d+/m);
});

test('a client killed mid-round: the round completes on quorum and the restarted client rejoins', async () => {
  const victim = CLIENTS - 1;
  const next = (await fetchStatus(coordinator.url)).round + 2;
  const [, round] = await waitForLine(clients[victim]!, new RegExp(`"round":(${next}|${next + 1}),"msg":"training"`), 60_000);
  await kill(clients[victim]!);
  const record = await roundRecord(coordinator, Number(round));
  assert.deepEqual(record.accepted, ids.slice(0, victim));
  assert.equal(record.aggregated, true);
  assert.equal(record.failed.length, 1);
  assert.equal(record.failed[0]!.clientId, ids[victim]);
  assert.match(record.failed[0]!.reason, /disconnected/);

  clients[victim] = startClient(victim);
  const back = await waitFor('a round with the restarted client', () => {
    const found = logRecords(coordinator).find((r) => r.msg === 'round complete' && (r.round as number) > Number(round) && (r.accepted as string[]).includes(ids[victim]!));
    return found as unknown as RoundSummary | undefined;
  }, 90_000);
  assert.deepEqual(back.accepted, ids);
});

test('the coordinator killed after a round resumes from its checkpoint with the same weights; clients reconnect', async () => {
  const target = (await fetchStatus(coordinator.url)).round + 1;
  const completed = await roundRecord(coordinator, target);
  await kill(coordinator);

  const restarted = await startCoordinatorProcess(dir, config, {
    args: ['--checkpoint-dir', checkpointDir, '--resume'],
    port: coordinator.port,
    name: 'restarted coordinator',
  });
  await waitForLine(restarted, /"msg":"resumed from checkpoint"/, 30_000);
  const resumed = logRecords(restarted).find((r) => r.msg === 'resumed from checkpoint')!;
  assert.equal(resumed.round, target);
  assert.equal(resumed.weightsChecksum, completed.weightsChecksum);

  const firstRound = await roundRecord(restarted, target + 1, 90_000);
  assert.deepEqual(firstRound.accepted, ids, 'every client reconnected by itself');
  const status = await fetchStatus(restarted.url);
  assert.deepEqual(
    status.history.slice(0, target).map((h) => h.weightsChecksum),
    logRecords(coordinator).filter((r) => r.msg === 'round complete' && (r.round as number) <= target).map((r) => r.weightsChecksum),
    'the resumed history is the one the killed coordinator wrote',
  );
  assert.equal(logRecords(restarted).filter((r) => r.msg === 'round complete')[0]!.round, target + 1);
});
