import type { Redis } from 'ioredis';
import type { RunSummary } from './runSummary.ts';

/**
 * Run summaries in Redis, one hash per sweep with one field per run key. Saving is idempotent: a run that is
 * finished twice (a worker lost its lock and the job ran again) still leaves exactly one summary.
 */
export class ResultStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private hashKey(sweep: string): string {
    return `${this.prefix}:summaries:${sweep}`;
  }

  async save(summary: RunSummary): Promise<void> {
    await this.redis.hset(this.hashKey(summary.sweep), summary.key, JSON.stringify(summary));
  }

  /** The sweep's summaries in grid order. */
  async list(sweep: string): Promise<RunSummary[]> {
    const fields = await this.redis.hgetall(this.hashKey(sweep));
    return Object.values(fields)
      .map((text) => JSON.parse(text) as RunSummary)
      .sort((a, b) => a.index - b.index);
  }
}
