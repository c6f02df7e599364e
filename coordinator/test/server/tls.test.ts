import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get } from 'node:https';
import { join } from 'node:path';
import { startNodeClient } from '@geofed/client/edge/nodeClient';
import type { EdgeSession } from '@geofed/client/edge/session';
import { parseCoordinatorConfig } from '@geofed/coordinator/config/coordinatorConfig';
import { startCoordinator, type RunningCoordinator } from '@geofed/coordinator/server/coordinator';
import { makeSynthetic } from '@geofed/shared/data/synthetic';
import { tempDir, within } from './processes.ts';

/* The coordinator over TLS with a self-signed certificate, and a Node client that trusts it. */

const dir = tempDir('tls');
const cert = join(dir, 'cert.pem');
const key = join(dir, 'key.pem');
let coordinator: RunningCoordinator;
let session: EdgeSession | undefined;

before(async () => {
  const openssl = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { timeout: 30_000, encoding: 'utf8' },
  );
  assert.equal(openssl.status, 0, openssl.stderr);
  const config = parseCoordinatorConfig(
    {
      dataset: 'synthetic',
      model: { type: 'mlp', hidden: [8] },
      rounds: 1,
      tls: { cert, key },
      auth: { tokens: { 'tls-client': 'tls-client-token-0123' } },
    },
    dir,
  );
  coordinator = await startCoordinator(config, { port: 0, host: '127.0.0.1' });
});

after(async () => {
  session?.stop();
  await coordinator.close();
});

test('the coordinator serves HTTPS with the configured certificate', async () => {
  assert.match(coordinator.url, /^https:/);
  const body = await within(
    new Promise<string>((resolve, reject) => {
      get(`https://127.0.0.1:${coordinator.port}/healthz`, { ca: readFileSync(cert) }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    }),
    10_000,
    '/healthz over https',
  );
  assert.deepEqual(JSON.parse(body), { ok: true });
});

test('a client trusting the certificate completes a round over TLS', async () => {
  const data = makeSynthetic({});
  session = await startNodeClient({
    server: `https://127.0.0.1:${coordinator.port}`,
    clientId: 'tls-client',
    token: 'tls-client-token-0123',
    ca: readFileSync(cert, 'utf8'),
    shard: { data: { split: data.train, indices: Int32Array.from({ length: 200 }, (_, i) => i) }, inputShape: data.inputShape, numClasses: data.numClasses },
  });
  await within(coordinator.finished, 60_000, 'the round');
  assert.deepEqual(coordinator.status().history[0]!.accepted, ['tls-client']);
});
