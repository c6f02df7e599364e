import type { Job, JobType } from 'bullmq';
import { isRunProgress, type SimulationJobData } from './jobData.ts';
import type { RunSummary } from './runSummary.ts';
import { inSweep, type SimulationQueue } from './schedulerQueue.ts';
import type { GridPoint } from './sweep.ts';

export type StatusBucket = 'waiting' | 'active' | 'completed' | 'failed';

export interface JobStatus {
  id: string;
  sweep: string;
  index: number;
  point: GridPoint;
  bucket: StatusBucket;
  /** BullMQ's own state: `delayed` is a job waiting out its retry backoff, `prioritized`/`paused` are waiting too. */
  state: JobType;
  round: number | null;
  rounds: number;
  attemptsMade: number;
  /** `host:pid` of the worker that took the job last. */
  worker: string | null;
  failedReason: string | null;
}

export type StatusReport = Record<StatusBucket, number> & { jobs: JobStatus[] };

const BUCKETS: Record<StatusBucket, JobType[]> = {
  waiting: ['waiting', 'prioritized', 'delayed', 'paused', 'waiting-children'],
  active: ['active'],
  completed: ['completed'],
  failed: ['failed'],
};

function jobStatus(job: Job<SimulationJobData, RunSummary>, bucket: StatusBucket, state: JobType): JobStatus {
  const progress = isRunProgress(job.progress) ? job.progress : null;
  return {
    id: job.id!,
    sweep: job.data.sweep,
    index: job.data.index,
    point: job.data.point,
    bucket,
    state,
    // A job queued again keeps the progress of its last attempt, which says nothing about the next one.
    round: bucket === 'completed' ? job.data.config.rounds : bucket === 'waiting' ? null : (progress?.round ?? null),
    rounds: job.data.config.rounds,
    attemptsMade: job.attemptsMade,
    worker: job.processedBy ?? null,
    failedReason: job.failedReason || null,
  };
}

/** Where the jobs of one sweep (or of all sweeps) are: counts per bucket and one entry per job, in grid order. */
export class SweepStatus {
  constructor(private readonly queue: SimulationQueue) {}

  async report(sweep?: string): Promise<StatusReport> {
    const report: StatusReport = { waiting: 0, active: 0, completed: 0, failed: 0, jobs: [] };
    for (const [bucket, states] of Object.entries(BUCKETS) as [StatusBucket, JobType[]][]) {
      for (const state of states) {
        const jobs = (await this.queue.getJobs([state])).filter((job) => job && inSweep(job.id, sweep));
        report[bucket] += jobs.length;
        report.jobs.push(...jobs.map((job) => jobStatus(job, bucket, state)));
      }
    }
    report.jobs.sort((a, b) => a.sweep.localeCompare(b.sweep) || a.index - b.index);
    return report;
  }
}
