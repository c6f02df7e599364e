import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { Scenario, stopProcess, waitFor } from './helpers.ts';

/*
 * `geofed jobs ui` (Bull Board) against a real Redis and a real worker: the board lists the sweep's jobs by state
 * with their round log lines and results, retries a finished job (the worker runs it again) and removes a queued
 * one, through the same HTTP API its page uses; the page itself renders the queue in headless Chromium.
 */

const BIN = join(fileURLToPath(new URL('../../../', import.meta.url)), 'simulations/bin/geofed.js');
const scenario = new Scenario();
let board: ChildProcess;
let url: string;
let browser: Browser | undefined;

interface BoardJob {
  id: string;
  attemptsMade: number;
  returnValue: { testAccuracy: number; resultFile: string } | null;
}
interface BoardQueue {
  name: string;
  counts: Record<string, number>;
  jobs: BoardJob[];
}

async function queueView(status: string): Promise<BoardQueue> {
  const res = await fetch(`${url}api/queues?activeQueue=simulations&status=${status}&page=1&jobsPerPage=50`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { queues: BoardQueue[] };
  return body.queues.find((q) => q.name === 'simulations')!;
}

async function jobLog(jobId: string): Promise<string[]> {
  const res = await fetch(`${url}api/queues/simulations/${jobId}/logs`);
  assert.equal(res.status, 200);
  return (await res.json()) as string[];
}

before(async () => {
  board = spawn(process.execPath, [BIN, 'jobs', 'ui', '--port', '0'], { cwd: scenario.dir, env: scenario.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  board.stdout!.setEncoding('utf8').on('data', (t: string) => (out += t));
  board.stderr!.setEncoding('utf8').on('data', (t: string) => (out += t));
  url = await waitFor('the board to listen', async () => out.match(/at (http:\/\/127\.0\.0\.1:\d+\/)/)?.[1], 60_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${out}`);
  });
});

after(async () => {
  await browser?.close();
  if (board) await stopProcess(board, 'SIGTERM');
  await scenario.cleanUp();
});

test('the board shows finished runs with their round log and result, and retries one', async () => {
  const file = scenario.sweep('board', '  seed: [1, 2]');
  const { sweep } = await scenario.submit(file);
  const worker = await scenario.startWorker();
  await scenario.waitCompleted(sweep, 2, 120_000);

  const completed = await queueView('completed');
  assert.equal(completed.counts.completed, 2);
  assert.equal(completed.jobs.length, 2);
  for (const job of completed.jobs) {
    assert.ok(job.id.startsWith(`${sweep}.`));
    assert.ok(job.returnValue !== null && job.returnValue.testAccuracy > 0, `job ${job.id} shows its result`);
    assert.deepEqual(
      (await jobLog(job.id)).map((l) => l.replace(/: test accuracy .*$/, '')),
      ['attempt 1, round 1/2', 'attempt 1, round 2/2'],
    );
  }

  // Retry from the board: the finished job goes back to the queue and the worker runs it a second time.
  const again = completed.jobs[0]!.id;
  const retried = await fetch(`${url}api/queues/simulations/${again}/retry`, { method: 'PUT' });
  assert.equal(retried.status, 204);
  await waitFor(
    'the retried job to finish again',
    async () => {
      const lines = await jobLog(again);
      return lines.length === 4 && (await queueView('completed')).counts.completed === 2 ? lines : undefined;
    },
    120_000,
  );
  await stopProcess(worker.child, 'SIGTERM');
});

test('a queued job is removed from the board (no worker takes it afterwards)', async () => {
  const { sweep } = await scenario.submit(scenario.sweep('later', '  seed: [3]'));
  const waiting = await queueView('waiting');
  const job = waiting.jobs.find((j) => j.id.startsWith(`${sweep}.`));
  assert.ok(job, 'the new job waits');
  const removed = await fetch(`${url}api/queues/simulations/${job.id}/clean`, { method: 'PUT' });
  assert.equal(removed.status, 204);
  const { queue } = await scenario.redis();
  assert.equal(await queue.getJobState(job.id), 'unknown');
});

test('the board page renders the queue in Chromium', async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    timeout: 60_000,
  });
  const page = await browser.newPage();
  await page.goto(`${url}queue/simulations?status=completed`);
  await page.getByText('GeoFed sweeps').first().waitFor({ timeout: 30_000 });
  await page.getByText(/board\.[0-9a-f]{16}/).first().waitFor({ timeout: 30_000 });
});
