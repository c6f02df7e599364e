import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  fetchStatus,
  killAll,
  startClientProcess,
  startCoordinatorProcess,
  tempDir,
  tokenFor,
  waitFor,
  type CoordinatorProc,
} from '../server/processes.ts';

/*
 * The live dashboard in headless Chromium against a real coordinator process and two client processes on
 * loopback: the page follows the rounds as they complete (pushed, never reloaded) and draws the curves, the
 * clients, their class mix and the pooled geometry. The final screenshot is the one in docs/dashboard.png.
 */

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = fileURLToPath(new URL('../../../test-output/', import.meta.url));
const ids = ['client-0000', 'client-0001'];
const ROUNDS = 4;
let coordinator: CoordinatorProc;
let browser: Browser;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  coordinator = await startCoordinatorProcess(tempDir('dashboard'), {
    dataset: 'synthetic',
    model: { type: 'mlp', hidden: [32] },
    method: { name: 'geofed' },
    rounds: ROUNDS,
    local: { epochs: 1, batchSize: 32, lr: 0.05 },
    waitForClients: ids.length,
    deadlineSeconds: 120,
    heartbeatSeconds: 1,
    auth: { tokens: Object.fromEntries(ids.map((id) => [id, tokenFor(id)])) },
  });
  ids.forEach((id, k) =>
    startClientProcess({ url: coordinator.url, index: k, clients: ids.length, token: tokenFor(id), extra: ['--scheme', 'dirichlet', '--alpha', '0.3'] }),
  );
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

/** The "last heartbeat" column of the clients table, one cell per client. */
async function heartbeatCells(page: Page): Promise<string[]> {
  const rows = page.locator('#clients tbody tr');
  const cells: string[] = [];
  for (let k = 0; k < (await rows.count()); k++) cells.push((await rows.nth(k).locator('td').allInnerTexts())[2] ?? '');
  return cells.length === ids.length ? cells : [''];
}

/** The round the page shows in its progress line. */
async function shownRound(page: Page): Promise<number> {
  const text = await page.locator('#round-label').innerText();
  const m = text.match(/^round (\d+) \/ (\d+)$/);
  assert.ok(m, `progress line reads "${text}"`);
  assert.equal(Number(m[2]), ROUNDS);
  return Number(m[1]);
}

test('the dashboard shows each new round within seconds, with curves, clients, class mix and geometry', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${coordinator.url}/`);
  await page.locator('#connection.live').waitFor({ timeout: 30_000 });

  // Each round the coordinator completes reaches the open page by push: no reload happens in this test.
  for (let target = 1; target <= ROUNDS; target++) {
    await waitFor(`coordinator round ${target}`, async () => ((await fetchStatus(coordinator.url)).round >= target ? true : undefined), 180_000, 200);
    const seen = Date.now();
    await waitFor(`page round ${target}`, async () => ((await shownRound(page)) >= target ? true : undefined), 5_000, 100);
    assert.ok(Date.now() - seen < 5_000);
    // While the run goes, every client's heartbeat is shown (after the last round the clients leave: RunEnded).
    if (target === 1) await waitFor('heartbeats shown', async () => ((await heartbeatCells(page)).every((c) => /^\d+ s ago$/.test(c)) ? true : undefined), 5_000, 100);
  }
  await page.locator('#state.finished').waitFor({ timeout: 10_000 });

  // Both curves carry every round; the loss chart has its two lines with a legend sample each.
  assert.equal(await page.locator('#accuracy-chart').getAttribute('data-rounds'), String(ROUNDS));
  assert.equal(await page.locator('#accuracy-chart circle').count(), ROUNDS);
  assert.equal(await page.locator('#loss-chart polyline').count(), 2);
  assert.equal(await page.locator('#loss-chart circle').count(), 2 * ROUNDS);

  // The clients table: both clients, connected, each accepted in every round.
  const rows = page.locator('#clients tbody tr');
  assert.equal(await rows.count(), ids.length);
  for (let k = 0; k < ids.length; k++) {
    const cells = await rows.nth(k).locator('td').allInnerTexts();
    assert.equal(cells[0], ids[k]);
    assert.equal(cells[7], String(ROUNDS), 'accepted rounds');
    assert.equal(cells[8], '0', 'refused rounds');
    assert.ok(Number(cells[4]) > 0, 'samples');
  }

  // The class mix comes from the clients' class statistics (geofed): one cell per client and class; the pooled
  // geometry has an ellipse per class.
  const status = await fetchStatus(coordinator.url);
  assert.equal(status.round, ROUNDS);
  assert.equal(await page.locator('#skew rect').count(), ids.length * 10);
  assert.equal(await page.locator('#geometry ellipse').count(), 10);
  assert.deepEqual(problems, []);

  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: join(OUTPUT, 'dashboard.png'), fullPage: true });
});
