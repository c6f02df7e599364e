import type { GeometrySnapshot } from '@geofed/shared/geometry/snapshot';
import type { EmbeddingStats } from '@geofed/shared/geometry/stats';
import type { ClientOutcome, ClientPool, DispatchOptions, RoundTask, UpdateVerdict } from '../engine/clientPool.ts';

/** What the dashboard knows about one client from the rounds it took part in. */
export interface ClientRecord {
  readonly id: string;
  /** Rounds it was selected for, accepted in, refused or dropped in. */
  selected: number;
  accepted: number;
  refused: number;
  lastRefusal: { round: number; reason: string } | null;
  /** Samples its last update was trained on. */
  samples: number;
  bytesUp: number;
  bytesDown: number;
  lastRound: number;
  /** Samples per class, when known (from the partition, or from the class statistics it sent). */
  classCounts: number[] | null;
}

/**
 * Watches the seam between the round engine and a transport (the ClientPool) without changing it: per client the
 * rounds it was given, its verdicts with reasons, samples and bytes, the class counts its statistics reveal, and
 * the geometry snapshot the tasks carried. The same observer serves the coordinator and simulations.
 */
export class PoolObserver {
  private readonly clients = new Map<string, ClientRecord>();
  private geometry: GeometrySnapshot | undefined;
  /** Clients whose class counts came from the partition: exact, so statistics do not overwrite them. */
  private readonly partitionCounts = new Set<string>();

  get records(): readonly ClientRecord[] {
    return [...this.clients.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** The newest geometry snapshot sent to clients with a task (GeoFed family), if any. */
  get latestGeometry(): GeometrySnapshot | undefined {
    return this.geometry;
  }

  /** For simulations, where the partition says what each client holds before any statistics arrive. */
  setClassCounts(clientId: string, counts: readonly number[]): void {
    this.record(clientId).classCounts = [...counts];
    this.partitionCounts.add(clientId);
  }

  /** `pool` with every dispatch watched; the engine sees the same outcomes and its verdicts still reach the pool. */
  observe(pool: ClientPool): ClientPool {
    return {
      available: () => pool.available(),
      ...(pool.measuresPayloadBytes !== undefined ? { measuresPayloadBytes: pool.measuresPayloadBytes } : {}),
      dispatch: (task, clients, options) => this.watch(pool, task, clients, options),
    };
  }

  private async *watch(pool: ClientPool, task: RoundTask, clients: readonly string[], options: DispatchOptions): AsyncIterable<ClientOutcome> {
    this.taskSent(task, clients);
    for await (const outcome of pool.dispatch(task, clients, options)) yield this.outcome(task.round, outcome);
  }

  private record(id: string): ClientRecord {
    let r = this.clients.get(id);
    if (r === undefined) {
      r = { id, selected: 0, accepted: 0, refused: 0, lastRefusal: null, samples: 0, bytesUp: 0, bytesDown: 0, lastRound: 0, classCounts: null };
      this.clients.set(id, r);
    }
    return r;
  }

  private taskSent(task: RoundTask, clients: readonly string[]): void {
    const geometry = task.payload?.geometry as GeometrySnapshot | undefined;
    if (geometry !== undefined) this.geometry = geometry;
    for (const id of clients) {
      const r = this.record(id);
      r.selected += 1;
      r.lastRound = task.round;
    }
  }

  private refuse(r: ClientRecord, round: number, reason: string): void {
    r.refused += 1;
    r.lastRefusal = { round, reason };
  }

  private outcome(round: number, outcome: ClientOutcome): ClientOutcome {
    const r = this.record(outcome.ok ? outcome.update.clientId : outcome.clientId);
    r.bytesDown += outcome.bytesDown;
    if (!outcome.ok) {
      this.refuse(r, round, outcome.reason);
      return outcome;
    }
    r.samples = outcome.update.numSamples;
    r.bytesUp += outcome.bytesUp;
    const stats = outcome.update.payload?.stats as EmbeddingStats | undefined;
    if (stats !== undefined && !this.partitionCounts.has(r.id)) {
      const counts = new Array<number>(stats.numClasses).fill(0);
      for (const c of stats.classes) counts[c.label] = c.count;
      r.classCounts = counts;
    }
    const settle = outcome.settle;
    // The engine always settles an update it was handed; that verdict is the accepted/refused the dashboard shows.
    return {
      ...outcome,
      settle: (verdict: UpdateVerdict) => {
        if (verdict.accepted) r.accepted += 1;
        else this.refuse(r, round, verdict.reason);
        settle?.(verdict);
      },
    };
  }
}
