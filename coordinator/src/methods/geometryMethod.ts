import type { MethodPlan } from '@geofed/shared/config/method';
import type { ClientUpdate } from '@geofed/shared/federation/task';
import { snapshotByteSize, type GeometrySnapshot } from '@geofed/shared/geometry/snapshot';
import { logger } from '@geofed/shared/log';
import { GeometryService, type GeometryOptionsInput, type GeometryServiceState } from '../geometry/geometryService.ts';
import type { ServerMethod } from '../engine/roundEngine.ts';

const log = logger('method');

export interface GeometryMethodOptions {
  plan: MethodPlan;
  geometry: GeometryOptionsInput;
  refreshEvery: number;
  /** Bytes of the fixed classifier, sent once to each client with its first task. */
  classifierBytes: number;
  /**
   * Whether an update's numSamples is the number of samples behind its statistics, so that their class counts
   * must add up to it. Not under DP-FedAvg, where the aggregate's numSamples counts clients.
   */
  numSamplesCountsSamples: boolean;
}

interface State {
  snapshot: GeometrySnapshot | undefined;
  service: GeometryServiceState;
  seen: string[];
}

/**
 * The server side of the GeoFed family: tells clients the method plan, pools their embedding statistics into
 * the geometry service, and every `refreshEvery` rounds publishes a new snapshot (prototypes and covariance
 * shapes) that rides with the next tasks. Methods without statistics only pass the plan along.
 */
export class GeometryMethod implements ServerMethod {
  private snapshot: GeometrySnapshot | undefined;
  private service: GeometryService;
  private readonly seen = new Set<string>();

  constructor(private readonly options: GeometryMethodOptions) {
    this.service = new GeometryService(options.geometry);
  }

  get latestSnapshot(): GeometrySnapshot | undefined {
    return this.snapshot;
  }

  taskPayload(): { payload: Record<string, unknown>; bytes: number } {
    const payload: Record<string, unknown> = { method: this.options.plan };
    let bytes = 0;
    if (this.snapshot) {
      payload.geometry = this.snapshot;
      bytes += snapshotByteSize(this.snapshot);
    }
    return { payload, bytes };
  }

  /** Extra bytes for one client's task: the fixed classifier the first time that client is served. */
  bytesFor(clientId: string): number {
    if (this.seen.has(clientId)) return 0;
    this.seen.add(clientId);
    return this.options.classifierBytes;
  }

  absorb(update: ClientUpdate): void {
    const stats = update.payload?.stats;
    if (!this.options.plan.collectStatistics || stats === undefined) return;
    const result = this.service.submit(update.clientId, stats, this.options.numSamplesCountsSamples ? update.numSamples : undefined);
    if (!result.accepted) log.warn({ clientId: update.clientId, reason: result.reason }, 'statistics not pooled');
  }

  endRound(round: number): void {
    if (!this.options.plan.collectStatistics) return;
    const due = this.snapshot === undefined || round % this.options.refreshEvery === 0;
    if (!due || this.service.contributors.length === 0) return;
    this.snapshot = this.service.snapshot(round);
    this.service.reset();
  }

  exportState(): State {
    return { snapshot: this.snapshot, service: this.service.exportState(), seen: [...this.seen] };
  }

  restoreState(state: unknown): void {
    const s = state as State;
    this.snapshot = s.snapshot;
    this.service = GeometryService.fromState(s.service);
    this.seen.clear();
    for (const id of s.seen) this.seen.add(id);
  }
}
