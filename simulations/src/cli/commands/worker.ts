import type { Command } from 'commander';
import { schedulerSettings } from '../../scheduler/settings.ts';
import { positiveInteger } from '../options.ts';

interface WorkerOptions {
  concurrency: number;
  results?: string;
  lockSeconds: number;
}

export function register(program: Command): void {
  program
    .command('worker')
    .description('run queued simulation jobs and cluster runs\' client batches until stopped (Ctrl-C); start one on every machine that should help')
    .option('--concurrency <n>', 'jobs run at the same time, each in its own process', positiveInteger, 1)
    .option('--results <dir>', 'where result.json files go (default: $GEOFED_RESULTS_DIR or ./geofed-results)')
    .option('--lock-seconds <s>', 'how soon a dead worker\'s job is handed to another worker', positiveInteger, 30)
    .action(async (opts: WorkerOptions) => {
      const settings = schedulerSettings(process.env, opts.results === undefined ? {} : { resultsDir: opts.results });
      // BullMQ and ioredis load only when the worker starts, so other commands start fast.
      const { SweepWorker } = await import('../../scheduler/sweepWorker.ts');
      const { displayUrl } = await import('../../scheduler/redisConnection.ts');
      const { FederationWorker } = await import('../../runner/clusterWorker.ts');
      const { connectRedis } = await import('../../scheduler/redisConnection.ts');
      const sweeps = await SweepWorker.start(settings, { concurrency: opts.concurrency, lockSeconds: opts.lockSeconds });
      // The same worker also trains batches of clients for runs spread over the cluster (simulate --cluster).
      const federationRedis = await connectRedis(settings.redisUrl, 'worker');
      const federation = new FederationWorker(federationRedis, settings.prefix, opts.lockSeconds);
      const worker = {
        get redisReachable() {
          return sweeps.redisReachable;
        },
        async close() {
          // Read before closing: with Redis gone, nothing may wait on a reply from it.
          const reachable = sweeps.redisReachable;
          await Promise.all([sweeps.close(), federation.close(!reachable)]);
          if (reachable) await federationRedis.quit();
          else federationRedis.disconnect();
        },
      };
      process.stderr.write(
        `geofed worker: taking jobs from ${displayUrl(settings.redisUrl)} (prefix ${settings.prefix}), ` +
          `concurrency ${opts.concurrency}, results in ${settings.resultsDir}; Ctrl-C to stop\n`,
      );
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = () => {
          if (stopping) process.exit(130);
          stopping = true;
          process.stderr.write(
            worker.redisReachable
              ? 'geofed worker: finishing running jobs (Ctrl-C again to stop now; they will be run again elsewhere)\n'
              : 'geofed worker: Redis is unreachable: stopping the running jobs now; they stay queued and run again once Redis is back\n',
          );
          worker
            .close()
            .catch((e: unknown) => process.stderr.write(`geofed worker: error while stopping: ${(e as Error).message}\n`))
            .finally(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      // After a stop with Redis gone, a reconnecting BullMQ connection may linger and keep the process alive.
      process.exit(0);
    });
}
