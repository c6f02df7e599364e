import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import {
  fetchStatus,
  killAll,
  startCoordinatorProcess,
  tempDir,
  tokenFor,
  waitForLine,
  type CoordinatorProc,
} from '../../../coordinator/test/server/processes.ts';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/*
 * The browser build against a coordinator process: the page at /client/ loads the bundle, fetches its demo rows,
 * trains with TF.js in headless Chromium and delivers an update the coordinator aggregates.
 */

const CHROMIUM = '/usr/bin/chromium';
const clientId = 'browser-0001';
let coordinator: CoordinatorProc;
let browser: Browser;

function buildBundle(): Promise<void> {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/build-browser.mjs'], { cwd: root, stdio: 'inherit' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`scripts/build-browser.mjs exited with ${code}`));
    });
  });
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  await buildBundle();
  coordinator = await startCoordinatorProcess(tempDir('browser'), {
    dataset: 'synthetic',
    model: { type: 'mlp', hidden: [16] },
    rounds: 2,
    local: { epochs: 1, batchSize: 32, lr: 0.05 },
    waitForClients: 1,
    deadlineSeconds: 120,
    browserDemo: { samples: 200 },
    auth: { tokens: { [clientId]: tokenFor(clientId) } },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    timeout: 60_000,
  });
});

after(async () => {
  await browser?.close();
  await killAll();
});

test('the browser client trains in headless Chromium and completes rounds', async () => {
  const page = await browser.newPage();
  const console: string[] = [];
  page.on('console', (m) => console.push(m.text()));
  page.on('pageerror', (e) => console.push(`page error: ${e.message}`));
  await page.goto(`${coordinator.url}/client/#clientId=${clientId}&token=${tokenFor(clientId)}`);
  await page
    .waitForFunction(() => (window as unknown as { geofed: { accepted: number } }).geofed.accepted >= 2, undefined, { timeout: 120_000 })
    .catch(async (e: Error) => {
      const shown = await page.locator('#log').innerText().catch(() => '');
      throw new Error(`${e.message}\nconsole:\n${console.join('\n')}\npage log:\n${shown}`);
    });
  await waitForLine(coordinator, /"msg":"all rounds done"/, 30_000);
  const status = await fetchStatus(coordinator.url);
  assert.deepEqual(status.history.map((h) => h.accepted), [[clientId], [clientId]]);
  assert.ok(status.history.every((h) => h.aggregated));
  const events = await page.evaluate(() => (window as unknown as { geofed: { events: Array<{ type: string }> } }).geofed.events.map((e) => e.type));
  assert.deepEqual(events.slice(0, 5), ['joined', 'task', 'trained', 'ack', 'task']);
});

test('the demo data is served only to a client with its token', async () => {
  const refused = await fetch(`${coordinator.url}/client/data?clientId=${clientId}`, { headers: { authorization: 'Bearer wrong' } });
  assert.equal(refused.status, 401);
  const served = await fetch(`${coordinator.url}/client/data?clientId=${clientId}`, { headers: { authorization: `Bearer ${tokenFor(clientId)}` } });
  const body = (await served.json()) as { n: number; inputShape: number[]; y: number[] };
  assert.equal(body.n, 200);
  assert.deepEqual(body.inputShape, [32]);
  assert.equal(body.y.length, 200);
});
