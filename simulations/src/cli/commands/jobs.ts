import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import type { Redis } from 'ioredis';
import { GeoFedError } from '@geofed/shared/errors';
import type { RunSummary } from '../../scheduler/runSummary.ts';
import type { SimulationQueue } from '../../scheduler/schedulerQueue.ts';
import { schedulerSettings, type SchedulerSettings } from '../../scheduler/settings.ts';
import { describePoint, isSweepId, loadSweep } from '../../scheduler/sweep.ts';
import type { StatusReport } from '../../scheduler/sweepStatus.ts';
import type { QueueState } from '../../scheduler/sweepRegistry.ts';
import { textTable } from '../../scheduler/tables.ts';
import { portNumber, positiveInteger } from '../options.ts';

interface Scheduler {
  settings: SchedulerSettings;
  redis: Redis;
  queue: SimulationQueue;
}

// BullMQ, ioredis and the plotting stack load only when a jobs command runs, so other commands start fast.
async function withScheduler<T>(use: (scheduler: Scheduler) => Promise<T>): Promise<T> {
  const { connectRedis } = await import('../../scheduler/redisConnection.ts');
  const { openQueue } = await import('../../scheduler/schedulerQueue.ts');
  const settings = schedulerSettings();
  const redis = await connectRedis(settings.redisUrl, 'command');
  const queue = openQueue(redis, settings.prefix);
  try {
    return await use({ settings, redis, queue });
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

async function producerOf({ settings, redis, queue }: Scheduler) {
  const { SweepProducer } = await import('../../scheduler/sweepProducer.ts');
  const { Cancellations } = await import('../../scheduler/cancellations.ts');
  const { SweepRegistry } = await import('../../scheduler/sweepRegistry.ts');
  return new SweepProducer(queue, new Cancellations(redis, settings.prefix), new SweepRegistry(redis, settings.prefix));
}

/**
 * The folder holding the sweep's runs (`<results>/<sweep>/<run>/result.json`, as the workers wrote them), so the
 * sweep's tables land beside them; `fallback` when the runs were written on another machine.
 */
function sweepFolder(summaries: readonly RunSummary[], fallback: string): string {
  const local = summaries.map((s) => dirname(dirname(s.resultFile))).find((dir) => existsSync(dir));
  return local ?? fallback;
}

/** Commands take a sweep id or the sweep file itself. */
function sweepIdOf(arg: string): string {
  if (isSweepId(arg)) return arg;
  if (existsSync(arg)) return loadSweep(arg).id;
  throw new GeoFedError(`"${arg}" is neither a sweep id nor a sweep file`, {
    remedy: 'give the id `geofed jobs submit` printed, or the path of the sweep file',
  });
}

function statusText(report: StatusReport, sweep: string | undefined): string {
  const counts = `${report.waiting} waiting, ${report.active} active, ${report.completed} completed, ${report.failed} failed`;
  const rows = report.jobs.map((j) => [
    ...(sweep ? [] : [j.sweep]),
    j.id.slice(j.sweep.length + 1),
    describePoint(j.point),
    j.state,
    j.round === null ? '' : `${j.round}/${j.rounds}`,
    String(j.attemptsMade),
    j.worker ?? '',
    j.failedReason ?? '',
  ]);
  const headers = [...(sweep ? [] : ['sweep']), 'run', 'setting', 'state', 'round', 'attempts', 'worker', 'last failure'];
  return `${sweep ? `sweep ${sweep}` : 'all sweeps'}: ${counts}\n${rows.length > 0 ? textTable(headers, rows) : ''}`;
}

function queueStateText(queue: QueueState, prefix: string): string {
  switch (queue.state) {
    case 'ok':
      return '';
    case 'empty':
      return (
        `note: Redis holds no sweep queue under prefix ${prefix}: nothing was submitted yet, or Redis lost it ` +
        '(restarted without persistence); submit the sweeps again\n'
      );
    case 'lost':
      return (
        `warning: Redis lost the queue's state (noticed by worker ${queue.noticedBy} at ${queue.noticedAt}; restarted without ` +
        'persistence?): jobs queued or finished before are gone from it; submit the sweeps again (result files on disk remain) ' +
        'and turn on Redis persistence (appendonly yes)\n'
      );
  }
}

export function register(program: Command): void {
  const jobs = program
    .command('jobs')
    .description('queue sweeps of simulations on Redis for `geofed worker`s, follow them and collect their results');

  jobs
    .command('submit')
    .description('queue one job per run of a sweep file (runs already queued or done are not queued again)')
    .argument('<sweep>', 'sweep file (YAML with name:, base: and grid:)')
    .option('--name <id>', 'the sweep id (default: the file\'s name:, else its file name); another sweep under a taken id is refused')
    .option('--attempts <n>', 'runs per job before it counts as failed (crashed runs are retried)', positiveInteger, 3)
    .option('--backoff <seconds>', 'delay before the first retry; doubles with every further one', positiveInteger, 10)
    .action(async (file: string, opts: { name?: string; attempts: number; backoff: number }) => {
      // The whole sweep is validated (input files included) before Redis is touched: an invalid sweep enqueues nothing.
      const sweep = loadSweep(file, opts.name);
      const outcome = await withScheduler(async (scheduler) =>
        (await producerOf(scheduler)).submit(sweep, {
          attempts: opts.attempts,
          backoffSeconds: opts.backoff,
        }),
      );
      process.stdout.write(
        `sweep ${outcome.sweep}: ${outcome.jobs} jobs (${outcome.added} queued, ${outcome.requeued} queued again after failing, ` +
          `${outcome.unchanged} already queued or done)\n`,
      );
    });

  jobs
    .command('status')
    .description('waiting, active, completed and failed jobs, with the round each run is at')
    .argument('[sweep]', 'sweep id or file (default: every sweep)')
    .option('--json', 'print {"waiting","active","completed","failed","jobs"} as JSON and nothing else')
    .action(async (arg: string | undefined, opts: { json?: boolean }) => {
      const sweep = arg === undefined ? undefined : sweepIdOf(arg);
      const { SweepStatus } = await import('../../scheduler/sweepStatus.ts');
      const { SweepRegistry } = await import('../../scheduler/sweepRegistry.ts');
      const { report, queue, prefix } = await withScheduler(async ({ settings, redis, queue }) => ({
        report: await new SweepStatus(queue).report(sweep),
        queue: await new SweepRegistry(redis, settings.prefix).queueState(),
        prefix: settings.prefix,
      }));
      process.stdout.write(opts.json ? `${JSON.stringify({ ...report, queue })}\n` : queueStateText(queue, prefix) + statusText(report, sweep));
    });

  jobs
    .command('results')
    .description('one table over the sweep (mean ± std over seeds), written with a comparison plot as Markdown, CSV and PNG')
    .argument('<sweep>', 'sweep id or file')
    .option('--out <dir>', 'where the tables and plot go (default: the sweep\'s folder, beside its runs\' result files)')
    .action(async (arg: string, opts: { out?: string }) => {
      const sweep = sweepIdOf(arg);
      const { ResultStore } = await import('../../scheduler/resultStore.ts');
      const { SweepStatus } = await import('../../scheduler/sweepStatus.ts');
      const { writeSweepReport } = await import('../../scheduler/sweepReport.ts');
      await withScheduler(async ({ settings, redis, queue }) => {
        const summaries = await new ResultStore(redis, settings.prefix).list(sweep);
        if (summaries.length === 0) {
          throw new GeoFedError(`sweep ${sweep} has no finished runs yet`, {
            remedy: `see \`geofed jobs status ${sweep}\`; is a \`geofed worker\` running against this Redis?`,
          });
        }
        const status = await new SweepStatus(queue).report(sweep);
        const report = await writeSweepReport(opts.out ?? sweepFolder(summaries, join(settings.resultsDir, sweep)), sweep, summaries);
        const pending = status.waiting + status.active;
        process.stdout.write(
          `sweep ${sweep}: ${summaries.length} runs finished` +
            `${pending > 0 ? `, ${pending} still queued or running` : ''}${status.failed > 0 ? `, ${status.failed} failed` : ''}\n` +
            `${report.text}wrote ${report.files.join(', ')}\n`,
        );
      });
    });

  jobs
    .command('ui')
    .description('a web board of the sweep queue (Bull Board): jobs by state, attempts, log lines and results; retry and remove jobs')
    .option('--port <port>', 'port to serve on (0 picks a free one)', portNumber, 3000)
    .option('--host <host>', 'address to serve on (the board can retry and remove jobs: keep it on loopback or behind a proxy)', '127.0.0.1')
    .action(async (opts: { port: number; host: string }) => {
      const { connectRedis } = await import('../../scheduler/redisConnection.ts');
      const { openQueue } = await import('../../scheduler/schedulerQueue.ts');
      const { startQueueBoard } = await import('../../scheduler/queueBoard.ts');
      const settings = schedulerSettings();
      // The board stays up for hours: it reconnects to a restarted Redis like a worker does.
      const redis = await connectRedis(settings.redisUrl, 'worker');
      const queue = openQueue(redis, settings.prefix);
      const board = await startQueueBoard(queue, opts.port, opts.host);
      process.stdout.write(`geofed jobs ui: the sweep queue (prefix ${settings.prefix}) at ${board.url} — Ctrl-C stops it\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await board.close();
      await queue.close();
      redis.disconnect();
    });

  jobs
    .command('cancel')
    .description('remove the queued jobs of a sweep and stop its running ones')
    .argument('<sweep>', 'sweep id or file')
    .action(async (arg: string) => {
      const sweep = sweepIdOf(arg);
      const outcome = await withScheduler(async (scheduler) => (await producerOf(scheduler)).cancel(sweep));
      process.stdout.write(
        `sweep ${sweep}: removed ${outcome.removed} queued jobs; ${outcome.stopping} running jobs are being stopped\n`,
      );
    });
}
