import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ResultStore } from '../../src/scheduler/resultStore.ts';
import { hasExited, Scenario, ThrowawayRedis, waitFor } from './helpers.ts';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

/** Runs `body` in a fresh scenario and removes what it left in Redis and on disk, also when it fails. */
async function inScenario(body: (s: Scenario) => Promise<void>, redisUrl?: string): Promise<void> {
  const s = new Scenario(redisUrl);
  try {
    await body(s);
  } finally {
    await s.cleanUp();
  }
}

function resultFiles(s: Scenario, sweep: string): string[] {
  const dir = join(s.resultsDir, sweep);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => readdirSync(join(dir, e.name)).map((f) => join(dir, e.name, f)));
}

describe('experiment scheduler on Redis', { concurrency: 3 }, () => {
  test('a sweep of 4 runs on 2 workers completes and `jobs results` tabulates all of them', () =>
    inScenario(async (s) => {
      const file = s.sweep('lr', '  local.lr: [0.05, 0.2]\n  seed: [0, 1]');
      await Promise.all([s.startWorker(), s.startWorker()]);
      const submit = await s.geofed(['jobs', 'submit', file]);
      assert.equal(submit.code, 0, submit.stderr);
      assert.match(submit.stdout, /^sweep lr: 4 jobs \(4 queued/);

      await s.waitCompleted('lr', 4, 90_000);
      const results = await s.geofed(['jobs', 'results', 'lr']);
      assert.equal(results.code, 0, results.stderr);
      assert.match(results.stdout, /^sweep lr: 4 runs finished\n/);
      const rows = results.stdout.split('\n').filter((l) => /^0\.(05|2) /.test(l));
      assert.equal(rows.length, 2, results.stdout);
      for (const row of rows) assert.match(row, /^0\.\d+\s+2\s+\d+\.\d\d ± \d+\.\d\d\s+\d+\.\d\d ± \d+\.\d\d/);

      const report = join(s.resultsDir, 'lr');
      assert.match(readFileSync(join(report, 'summary.md'), 'utf8'), /\| local\.lr \| seeds \| last round acc\. \(%\) \|/);
      assert.equal(readFileSync(join(report, 'summary.csv'), 'utf8').trimEnd().split('\n').length, 3);
      assert.equal(readFileSync(join(report, 'runs.csv'), 'utf8').trimEnd().split('\n').length, 5);
      assert.deepEqual(readFileSync(join(report, 'comparison.png')).subarray(0, 4), PNG_MAGIC);
      assert.equal(resultFiles(s, 'lr').filter((f) => f.endsWith('result.json')).length, 4);
    }));

  test('a worker killed mid-run: another worker takes the job over and it completes exactly once', () =>
    inScenario(async (s) => {
      const file = s.sweep('killed', '  rounds: [300]');
      const doomed = await s.startWorker(['--lock-seconds', '2']);
      await s.submit(file);
      const running = await waitFor(
        'the run to be a few rounds in',
        async () => {
          const [job] = (await s.status('killed')).jobs;
          return job?.bucket === 'active' && (job.round ?? 0) >= 2 ? job : undefined;
        },
        60_000,
      );
      doomed.child.kill('SIGKILL');

      const rescuer = await s.startWorker(['--lock-seconds', '2']);
      const [job] = (await s.waitCompleted('killed', 1, 90_000)).jobs;
      assert.equal(job!.id, running.id);
      assert.equal(running.worker, `${hostname()}:${doomed.child.pid}`);
      assert.equal(job!.worker, `${hostname()}:${rescuer.child.pid}`);
      // One finished attempt: the killed one never completed.
      assert.equal(job!.attemptsMade, 1);
      const files = resultFiles(s, 'killed');
      // The run's result and its final global weights (issue #12: every run hands over its model).
      assert.deepEqual(files.map((f) => f.slice(f.lastIndexOf('/') + 1)), ['result.json', 'weights.safetensors']);
      assert.equal((JSON.parse(readFileSync(files[0]!, 'utf8')) as { rounds: unknown[] }).rounds.length, 300);
      const { redis } = await s.redis();
      assert.equal((await new ResultStore(redis, s.prefix).list('killed')).length, 1);
    }));

  test('the run process of a killed worker quits instead of running on', () =>
    inScenario(async (s) => {
      // Far more rounds than could run within the wait below: the process can only have quit because its worker died.
      await s.submit(s.sweep('orphan', '  rounds: [100000]'));
      const worker = await s.startWorker();
      const runs = await waitFor('the run to start', async () => {
        const pids = worker.runProcesses();
        return pids.length > 0 && (await s.status('orphan')).jobs[0]?.round ? pids : undefined;
      }, 60_000);
      worker.child.kill('SIGKILL');
      await waitFor('the orphaned run process to quit', async () => (runs.every(hasExited) ? true : undefined), 30_000);
    }));

  test('a run process that crashes is retried after a backoff and then completes', () =>
    inScenario(async (s) => {
      await s.submit(s.sweep('crash', '  rounds: [300]'));
      const worker = await s.startWorker();
      const [run] = await waitFor('the run to be a few rounds in', async () => {
        const pids = worker.runProcesses();
        return pids.length > 0 && ((await s.status('crash')).jobs[0]?.round ?? 0) >= 2 ? pids : undefined;
      }, 60_000);
      process.kill(run!, 'SIGKILL');
      const [job] = (await s.waitCompleted('crash', 1, 90_000)).jobs;
      assert.equal(job!.attemptsMade, 2);
      assert.equal(job!.failedReason, 'the run process died (SIGKILL)');
      const { queue } = await s.redis();
      assert.deepEqual((await queue.getJob(job!.id))!.opts.backoff, { type: 'exponential', delay: 1000 });
    }));

  test('a job whose config is invalid fails at once, without retries', () =>
    inScenario(async (s) => {
      const { queue } = await s.redis();
      const bad = { sweep: 'bad', key: 'k', index: 0, point: {}, config: { rounds: -1 } as never };
      await queue.add('bad', bad, { jobId: 'bad.k', attempts: 3, backoff: { type: 'exponential', delay: 1000 } });
      await s.startWorker();
      const job = await waitFor('the job to fail', async () => (await s.status('bad')).jobs.find((j) => j.bucket === 'failed'), 60_000);
      assert.equal(job.state, 'failed');
      assert.equal(job.attemptsMade, 1);
      assert.match(job.failedReason ?? '', /^invalid simulation config: .*rounds: /);
    }));

  test('submitting the same sweep twice enqueues its jobs once', () =>
    inScenario(async (s) => {
      const file = s.sweep('twice', '  seed: [0, 1, 2]');
      const first = await s.submit(file);
      const second = await s.submit(file);
      assert.deepEqual([first.added, first.unchanged], [3, 0]);
      assert.deepEqual([second.added, second.unchanged], [0, 3]);
      const { queue } = await s.redis();
      assert.equal((await queue.getJobs(['waiting'])).length, 3);
    }));

  test('an invalid sweep file is rejected with a one-line reason and enqueues nothing', () =>
    inScenario(async (s) => {
      const file = s.sweep('invalid', '  rounds: [2, -1]');
      const run = await s.geofed(['jobs', 'submit', file]);
      assert.equal(run.code, 2);
      assert.equal(run.stdout, '');
      const lines = run.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, /^geofed: error: sweep .*invalid\.yaml, run rounds=-1: invalid simulation config: rounds: /);
      assert.deepEqual(await s.keys(), []);
    }));

  test('`jobs status --json` prints only a JSON object with the counts and the jobs', () =>
    inScenario(async (s) => {
      await s.submit(s.sweep('json', '  seed: [0, 1]'));
      const run = await s.geofed(['jobs', 'status', 'json', '--json']);
      assert.equal(run.code, 0, run.stderr);
      const report = JSON.parse(run.stdout) as Record<string, unknown> & { jobs: { id: string; state: string }[] };
      assert.deepEqual(Object.keys(report), ['waiting', 'active', 'completed', 'failed', 'jobs', 'queue']);
      assert.equal((report.queue as { state: string }).state, 'ok');
      assert.deepEqual([report.waiting, report.active, report.completed, report.failed], [2, 0, 0, 0]);
      assert.deepEqual(report.jobs.map((j) => j.state), ['waiting', 'waiting']);
      assert.ok(report.jobs.every((j) => j.id.startsWith('json.')));
    }));

  test('workers idle through a Redis restart reconnect and take the next job', async () => {
    const server = await ThrowawayRedis.start();
    try {
      await inScenario(async (s) => {
        await s.startWorker();
        await s.submit(s.sweep('before', '  seed: [0]'));
        await s.waitCompleted('before', 1, 60_000);

        const { redis } = await s.redis();
        await server.stop();
        await waitFor('the test connection to notice', async () => (redis.status !== 'ready' ? true : undefined), 10_000);
        await server.restart();
        s.forgetConnection();

        await s.submit(s.sweep('after', '  seed: [1]'));
        await s.waitCompleted('after', 1, 60_000);
      }, server.url);
    } finally {
      await server.stop();
    }
  });
});
