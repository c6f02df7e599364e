import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSweep } from '../../src/scheduler/sweep.ts';
import { Scenario, ThrowawayRedis, waitFor } from './helpers.ts';

/*
 * What the sweep queue does when things go wrong: names that would merge two sweeps, input files that do not
 * exist, a Redis that restarts empty, a Redis that disappears under a worker asked to stop.
 */

async function inScenario(body: (s: Scenario) => Promise<void>, redisUrl?: string): Promise<void> {
  const s = new Scenario(redisUrl);
  try {
    await body(s);
  } finally {
    await s.cleanUp();
  }
}

test('a different sweep under a taken name is refused; the same sweep again, or under --name, is not', () =>
  inScenario(async (s) => {
    const first = join(s.dir, 'a.yaml');
    const second = join(s.dir, 'b.yaml');
    writeFileSync(first, 'name: study\nbase: base.yaml\ngrid:\n  seed: [0, 1]\n');
    writeFileSync(second, 'name: study\nbase: base.yaml\ngrid:\n  seed: [2]\n');
    await s.submit(first);
    const again = await s.submit(first);
    assert.equal(again.unchanged, 2);
    const refused = await s.geofed(['jobs', 'submit', second]);
    assert.equal(refused.code, 2, "a usage error");
    assert.match(refused.stderr, /sweep name "study" is taken by another sweep \(2 runs from .*a\.yaml.*give this sweep its own name/);
    assert.equal((await s.status('study')).jobs.length, 2, 'nothing of the refused sweep was queued');
    const renamed = await s.geofed(['jobs', 'submit', second, '--name', 'study-2']);
    assert.equal(renamed.code, 0, renamed.stderr);
    assert.match(renamed.stdout, /^sweep study-2: 1 jobs/);
  }));

test('a sweep whose init file does not exist is refused at submit', () =>
  inScenario(async (s) => {
    writeFileSync(join(s.dir, 'with-init.yaml'), `${'dataset: { name: synthetic }'}\ninit: weights/missing.gfw\n`);
    const file = join(s.dir, 'init-sweep.yaml');
    writeFileSync(file, 'base: with-init.yaml\ngrid:\n  seed: [0]\n');
    assert.throws(() => loadSweep(file), new RegExp(`run seed=0: init ${join(s.dir, 'weights/missing.gfw')} does not exist`));
    const refused = await s.geofed(['jobs', 'submit', file]);
    assert.equal(refused.code, 2, "a usage error");
    assert.match(refused.stderr, /init .*missing\.gfw does not exist/);
    assert.deepEqual(await s.keys(), [], 'nothing reached Redis');
  }));

test('after Redis restarts without persistence, the worker notices and `jobs status` says the state was lost', async () => {
  const server = await ThrowawayRedis.start();
  try {
    await inScenario(async (s) => {
      const status = async () => JSON.parse((await s.geofed(['jobs', 'status', '--json'])).stdout) as { queue: { state: string; noticedBy?: string } };
      assert.equal((await status()).queue.state, 'empty');
      await s.submit(s.sweep('before', '  seed: [0]'));
      const worker = await s.startWorker();
      await s.waitCompleted('before', 1, 60_000);
      assert.equal((await status()).queue.state, 'ok');

      const { redis } = await s.redis();
      await server.stop();
      await waitFor('the test connection to notice', async () => (redis.status !== 'ready' ? true : undefined), 10_000);
      await server.restart();
      s.forgetConnection();

      const report = await waitFor('the loss to be recorded', async () => {
        const r = await status();
        return r.queue.state === 'lost' ? r : undefined;
      }, 30_000);
      assert.match(report.queue.noticedBy!, new RegExp(`:${worker.child.pid}$`));
      const text = await s.geofed(['jobs', 'status']);
      assert.match(text.stdout, /^warning: Redis lost the queue's state/);
    }, server.url);
  } finally {
    await server.remove();
  }
});

test('a worker whose Redis has gone away stops on SIGTERM within 5 s, and its job is still queued when Redis is back', async () => {
  const server = await ThrowawayRedis.start({ appendOnly: true });
  try {
    await inScenario(async (s) => {
      const { sweep } = await s.submit(s.sweep('long', '  rounds: [400]'));
      const worker = await s.startWorker(['--lock-seconds', '2']);
      const { queue } = await s.redis();
      const [job] = await waitFor('the job to start', async () => {
        const active = await queue.getJobs(['active']);
        return active.length > 0 ? active : undefined;
      }, 60_000);
      await waitFor('its run process', async () => (worker.runProcesses().length > 0 ? true : undefined), 30_000);

      await server.stop('SIGKILL');
      s.forgetConnection();
      const exited = new Promise<number | null>((resolve) => worker.child.once('exit', (code) => resolve(code)));
      const started = Date.now();
      worker.child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 5_000))]);
      assert.notEqual(code, 'late', `the worker was still running 5 s after SIGTERM:\n${worker.output().slice(-2000)}`);
      assert.equal(code, 0);
      assert.ok(Date.now() - started < 5_000);

      await server.restart();
      const { queue: again } = await s.redis();
      const state = await again.getJobState(job!.id!);
      assert.ok(state === 'active' || state === 'waiting', `job ${job!.id} of sweep ${sweep} is ${state} after the restart`);
    }, server.url);
  } finally {
    await server.remove();
  }
});
