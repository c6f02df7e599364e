import type { Cancellations } from './cancellations.ts';
import type { SimulationJobData } from './jobData.ts';
import { inSweep, type SimulationQueue } from './schedulerQueue.ts';
import type { Sweep } from './sweep.ts';
import type { SweepRegistry } from './sweepRegistry.ts';

export interface SubmitOptions {
  /** Runs per job before it counts as failed (a crashed run is retried). */
  attempts: number;
  /** First retry delay; it doubles with every further attempt. */
  backoffSeconds: number;
}

export interface SubmitOutcome {
  sweep: string;
  jobs: number;
  added: number;
  /** Jobs that had failed (or been cancelled) and were queued again. */
  requeued: number;
  /** Jobs already waiting, running or completed: left as they are. */
  unchanged: number;
}

export interface CancelOutcome {
  /** Jobs removed before they started. */
  removed: number;
  /** Jobs running now; their workers stop them at their next round. */
  stopping: number;
}

/** Puts sweeps on the queue and takes them off again. */
export class SweepProducer {
  constructor(
    private readonly queue: SimulationQueue,
    private readonly cancellations: Cancellations,
    private readonly registry: SweepRegistry,
  ) {}

  /** Job ids come from the resolved configs, so submitting a sweep again adds nothing that is already there. */
  async submit(sweep: Sweep, options: SubmitOptions): Promise<SubmitOutcome> {
    await this.registry.claim(sweep);
    await this.cancellations.lift(sweep.id);
    const states = await Promise.all(sweep.runs.map((run) => this.queue.getJobState(run.jobId)));
    const fresh = sweep.runs.filter((_, i) => states[i] === 'unknown');
    const failed = sweep.runs.filter((_, i) => states[i] === 'failed');
    await this.queue.addBulk(
      fresh.map((run) => ({
        name: sweep.id,
        data: { sweep: sweep.id, key: run.key, index: run.index, point: run.point, config: run.config } satisfies SimulationJobData,
        opts: {
          jobId: run.jobId,
          attempts: options.attempts,
          backoff: { type: 'exponential', delay: options.backoffSeconds * 1000 },
          // Finished jobs stay: they are what makes a second submission a no-op and what `jobs status` lists.
          removeOnComplete: false,
          removeOnFail: false,
          // The workers log one line per round; a very long run keeps its latest lines only.
          keepLogs: 1000,
        },
      })),
    );
    for (const run of failed) {
      const job = await this.queue.getJob(run.jobId);
      await job?.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    }
    return {
      sweep: sweep.id,
      jobs: sweep.runs.length,
      added: fresh.length,
      requeued: failed.length,
      unchanged: sweep.runs.length - fresh.length - failed.length,
    };
  }

  async cancel(sweep: string): Promise<CancelOutcome> {
    await this.cancellations.cancel(sweep);
    const pending = await this.queue.getJobs(['waiting', 'prioritized', 'delayed', 'paused']);
    let removed = 0;
    for (const job of pending.filter((j) => inSweep(j.id, sweep))) {
      // A job a worker took meanwhile is locked and cannot be removed; the cancellation stops it instead.
      if ((await this.queue.remove(job.id!)) === 1) removed++;
    }
    const active = await this.queue.getJobs(['active']);
    return { removed, stopping: active.filter((j) => inSweep(j.id, sweep)).length };
  }
}
