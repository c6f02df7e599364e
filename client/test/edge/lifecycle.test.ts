import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import {
  killAll,
  startClientProcess,
  startCoordinatorProcess,
  tempDir,
  tokenFor,
  within,
} from '../../../coordinator/test/server/processes.ts';

/*
 * The edge client process's life: it exits 0 when the run ends (or stays with --stay), and gives up with a clear
 * message and a non-zero exit after --give-up-after seconds without a coordinator.
 */

after(killAll);

test('at the end of the run the client exits 0; with --stay it waits for the next run', async () => {
  const ids = ['client-0000', 'client-0001'];
  const coordinator = await startCoordinatorProcess(tempDir('lifecycle'), {
    dataset: 'synthetic',
    model: { type: 'mlp', hidden: [16] },
    rounds: 2,
    local: { epochs: 1, batchSize: 64, lr: 0.05 },
    waitForClients: 2,
    evaluation: { enabled: false },
    auth: { tokens: Object.fromEntries(ids.map((id) => [id, tokenFor(id)])) },
  }, { args: ['--exit-when-done'] });
  const leaving = startClientProcess({ url: coordinator.url, index: 0, clients: 4, token: tokenFor(ids[0]!) });
  const staying = startClientProcess({ url: coordinator.url, index: 1, clients: 4, token: tokenFor(ids[1]!), extra: ['--stay'] });
  assert.equal(await within(leaving.exited, 120_000, 'the client to exit'), 0, leaving.lines.slice(-10).join('\n'));
  assert.equal(await within(coordinator.exited, 30_000, 'the coordinator to exit'), 0);
  // Still running with the coordinator gone: waiting for the next run.
  const early = await Promise.race([staying.exited, new Promise((resolve) => setTimeout(() => resolve('running'), 2000))]);
  assert.equal(early, 'running');
});

test('without a coordinator the client gives up after --give-up-after seconds, saying so', async () => {
  // A port that nothing listens on: bound, read, closed.
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address() as { port: number };
      probe.close(() => resolve(p));
    });
  });
  const started = Date.now();
  const client = startClientProcess({ url: `http://127.0.0.1:${port}`, index: 0, clients: 4, token: tokenFor('client-0000'), extra: ['--give-up-after', '2'] });
  assert.equal(await within(client.exited, 60_000, 'the client to give up'), 2);
  assert.ok(Date.now() - started >= 2000);
  assert.ok(client.lines.some((l) => l.includes(`http://127.0.0.1:${port}: no coordinator reachable for 2s: giving up`)), client.lines.join('\n'));
});
