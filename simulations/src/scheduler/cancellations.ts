import type { Redis } from 'ioredis';

/**
 * Sweeps cancelled while some of their runs were active. Active jobs cannot be removed (a worker holds their
 * lock), so workers look here after every round and stop runs of a cancelled sweep. Submitting a sweep again
 * lifts its cancellation.
 */
export class Cancellations {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private get key(): string {
    return `${this.prefix}:cancelled-sweeps`;
  }

  async cancel(sweep: string): Promise<void> {
    await this.redis.sadd(this.key, sweep);
  }

  async lift(sweep: string): Promise<void> {
    await this.redis.srem(this.key, sweep);
  }

  async isCancelled(sweep: string): Promise<boolean> {
    return (await this.redis.sismember(this.key, sweep)) === 1;
  }
}
