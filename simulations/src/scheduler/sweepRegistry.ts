import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { GeoFedError } from '@geofed/shared/errors';
import type { Sweep } from './sweep.ts';

interface SweepEntry {
  fingerprint: string;
  file: string;
  runs: number;
  submittedAt: string;
}

/** What a worker noticed: Redis came back without the queue it had been serving. */
export interface StateLoss {
  noticedBy: string;
  noticedAt: string;
}

/** `lost`: a worker saw the queue's state vanish. `empty`: no state at all (never used, or lost with no worker to notice). */
export type QueueState = { state: 'ok' } | { state: 'empty' } | ({ state: 'lost' } & StateLoss);

/**
 * The scheduler's own records next to BullMQ's: which sweep each name stands for (so a different sweep cannot be
 * merged into an existing one), and a random id for this queue's state. Redis restarted without persistence
 * comes back empty; the id is then gone, which is how workers and `jobs status` tell "lost" from "still there".
 */
export class SweepRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private get sweepsKey(): string {
    return `${this.prefix}:sweeps`;
  }

  private get stateKey(): string {
    return `${this.prefix}:state-id`;
  }

  private get lossKey(): string {
    return `${this.prefix}:state-lost`;
  }

  /** Records the sweep under its name, or refuses it when the name already stands for other runs. */
  async claim(sweep: Sweep): Promise<void> {
    const entry: SweepEntry = { fingerprint: sweep.fingerprint, file: sweep.file, runs: sweep.runs.length, submittedAt: new Date().toISOString() };
    const added = await this.redis.hsetnx(this.sweepsKey, sweep.id, JSON.stringify(entry));
    if (added === 0) {
      const existing = JSON.parse((await this.redis.hget(this.sweepsKey, sweep.id)) ?? '{}') as Partial<SweepEntry>;
      if (existing.fingerprint !== sweep.fingerprint) {
        throw new GeoFedError(
          `sweep name "${sweep.id}" is taken by another sweep (${existing.runs ?? '?'} runs from ${existing.file ?? 'an unknown file'}, submitted ${existing.submittedAt ?? 'earlier'}); ${sweep.file} has other runs`,
          { remedy: 'give this sweep its own name (name: in the sweep file, or --name)' },
        );
      }
    }
    await this.stateId();
    // A sweep submitted after a loss is the user acting on it: the warning has done its job.
    await this.redis.del(this.lossKey);
  }

  /** This queue state's id, created on first use. */
  async stateId(): Promise<string> {
    await this.redis.set(this.stateKey, randomUUID(), 'NX');
    return (await this.redis.get(this.stateKey))!;
  }

  /** The state id Redis holds now (null when it has none: a Redis that came back empty). */
  async currentStateId(): Promise<string | null> {
    return this.redis.get(this.stateKey);
  }

  /** Called by a worker whose Redis came back with a different (or no) state id: records the loss for `jobs status`. */
  async recordLoss(worker: string): Promise<void> {
    const loss: StateLoss = { noticedBy: worker, noticedAt: new Date().toISOString() };
    await this.redis.set(this.lossKey, JSON.stringify(loss));
  }

  async queueState(): Promise<QueueState> {
    const [id, loss] = await Promise.all([this.redis.get(this.stateKey), this.redis.get(this.lossKey)]);
    if (loss !== null) return { state: 'lost', ...(JSON.parse(loss) as StateLoss) };
    return id === null ? { state: 'empty' } : { state: 'ok' };
  }
}
