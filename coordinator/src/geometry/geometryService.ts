/**
 * Pools the per-class embedding statistics that clients send and turns them into the shared geometry
 * (design.md section 4): prototypes mu_c = sum s / N_c, covariances Sigma_c = sum S / N_c - mu mu^T and
 * their top eigenpairs. Messages are validated before they reach the pool, and the pool is replaced, never
 * edited, so a rejected or failing message leaves it exactly as it was.
 */
import { z } from 'zod';
import { GeoFedError } from '@geofed/shared/errors';
import { classMoments } from '@geofed/shared/geometry/moments';
import type { ClassGeometry, GeometrySnapshot, NoiseRecord } from '@geofed/shared/geometry/snapshot';
import { cloneStats, createStats, mergeStats, validateStats } from '@geofed/shared/geometry/stats';
import type { EmbeddingStats } from '@geofed/shared/geometry/stats';
import { logger } from '@geofed/shared/log';
import { Rng } from '@geofed/shared/math/rng';
import { describeIssues } from '@geofed/shared/config/describeIssues';
import { classShape } from './classShape.ts';
import { poolContributions, type Contribution } from './robustPooling.ts';
import { clientStatsProblem } from './statsChecks.ts';
import { addPrivacyNoise, noiseScales } from './privacyNoise.ts';

const log = logger('geometry');

export const geometryOptionsSchema = z.strictObject({
  numClasses: z.int().min(1),
  dim: z.int().min(1),
  /** Classes whose pooled count is below this are not shared (privacy floor; also too few for a shape). */
  minCount: z.int().min(1).default(5),
  rank: z
    .union([z.strictObject({ varianceFraction: z.number().gt(0).max(1) }), z.strictObject({ fixed: z.int().min(0) })])
    .default({ varianceFraction: 0.95 }),
  maxRank: z.int().min(0).optional(),
  /** Share the mean residual eigenvalue so clients can add an isotropic remainder. */
  residual: z.boolean().default(true),
  /** Gaussian noise on the pooled sums; clients must clip their embeddings to clipNorm. */
  dp: z.strictObject({ noiseMultiplier: z.number().positive(), clipNorm: z.number().positive() }).optional(),
  /** Seeds the privacy noise. */
  seed: z.int().default(0),
  /**
   * Statistics arrive carrying clients' noise shares (distributed DP): the shape checks that only exact statistics
   * pass (positive semi-definite scatter, counts, clip bound) would refuse every noisy aggregate, so they are skipped.
   */
  noisyStatistics: z.boolean().default(false),
  /** How client statistics are combined (see PoolingRule); the robust rules keep each client's copy until release. */
  pooling: z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('sum') }),
      z.strictObject({ kind: z.literal('trimmed'), fraction: z.number().gt(0).lt(0.5) }),
      z.strictObject({ kind: z.literal('median-of-means'), groups: z.int().min(2) }),
    ])
    .default({ kind: 'sum' }),
});

export type GeometryOptionsInput = z.input<typeof geometryOptionsSchema>;
export type GeometryOptions = z.output<typeof geometryOptionsSchema>;

export type SubmitResult = { accepted: true } | { accepted: false; reason: string };

/** Everything needed to resume the service from a checkpoint (typed arrays included; structured-clone safe). */
export interface GeometryServiceState {
  readonly options: GeometryOptions;
  readonly pool: EmbeddingStats;
  readonly contributors: string[];
  /** Each contributor's statistics, kept only under a robust pooling rule. */
  readonly contributions?: Contribution[];
  /** Noisy releases made so far; release r draws its noise from a stream derived from (seed, r). */
  readonly releases: number;
}

export interface PooledRelease {
  readonly stats: EmbeddingStats;
  readonly noise: NoiseRecord | null;
}

export class GeometryService {
  readonly options: GeometryOptions;
  private pool: EmbeddingStats;
  private readonly contributorIds = new Set<string>();
  // Under a robust pooling rule: every contribution, combined at release (a rule needs them all at once).
  private contributions: Contribution[] = [];
  private releases = 0;

  constructor(options: GeometryOptionsInput) {
    const parsed = geometryOptionsSchema.safeParse(options);
    if (!parsed.success) {
      throw new GeoFedError(`invalid geometry options: ${describeIssues(parsed.error)}`, {
        remedy: 'check the geometry section of the run configuration',
        code: 'INVALID_GEOMETRY_OPTIONS',
      });
    }
    this.options = parsed.data;
    this.pool = createStats(this.options.numClasses, this.options.dim);
  }

  static fromState(state: GeometryServiceState): GeometryService {
    const service = new GeometryService(state.options);
    const check = validateStats(state.pool, service.options);
    if (!check.ok) throw new Error(`geometry checkpoint is corrupt: ${check.reason}`);
    service.pool = cloneStats(check.stats);
    for (const id of state.contributors) service.contributorIds.add(id);
    for (const c of state.contributions ?? []) {
      const kept = validateStats(c.stats, service.options);
      if (!kept.ok) throw new Error(`geometry checkpoint is corrupt: client ${c.clientId}: ${kept.reason}`);
      service.contributions.push({ clientId: c.clientId, stats: cloneStats(kept.stats) });
    }
    service.releases = state.releases;
    return service;
  }

  exportState(): GeometryServiceState {
    return {
      options: this.options,
      pool: cloneStats(this.pool),
      contributors: [...this.contributorIds],
      ...(this.robust ? { contributions: this.contributions.map((c) => ({ clientId: c.clientId, stats: cloneStats(c.stats) })) } : {}),
      releases: this.releases,
    };
  }

  /**
   * Adds one client's statistics to the pool, or says why not (the pool is then untouched). `numSamples`, the
   * count the client's model update claims, must equal its class counts' total.
   */
  submit(clientId: string, message: unknown, numSamples?: number): SubmitResult {
    const reject = (reason: string): SubmitResult => {
      log.warn({ clientId, reason }, 'geometry statistics rejected');
      return { accepted: false, reason };
    };
    if (this.contributorIds.has(clientId)) return reject(`client ${clientId} already contributed to this pool`);
    const check = validateStats(message, this.options);
    if (!check.ok) return reject(check.reason);
    const problem = this.options.noisyStatistics ? undefined : clientStatsProblem(check.stats, { numSamples, clipNorm: this.options.dp?.clipNorm });
    if (problem !== undefined) return reject(problem);
    this.pool = mergeStats(this.pool, check.stats);
    if (this.robust) this.contributions.push({ clientId, stats: cloneStats(check.stats) });
    this.contributorIds.add(clientId);
    return { accepted: true };
  }

  get contributors(): readonly string[] {
    return [...this.contributorIds];
  }

  /** The pooled statistics (a copy): the exact sums, or what the robust pooling rule makes of the contributions. */
  pooled(): EmbeddingStats {
    const { pooling, numClasses, dim } = this.options;
    return this.robust ? poolContributions(this.contributions, pooling, numClasses, dim) : cloneStats(this.pool);
  }

  /** The pooled statistics as released: with fresh privacy noise when it is configured. */
  release(): PooledRelease {
    if (!this.options.dp) return { stats: this.pooled(), noise: null };
    const rng = new Rng(`geometry-noise:${this.options.seed}:${this.releases++}`);
    return { stats: addPrivacyNoise(this.pooled(), this.options.dp, rng), noise: noiseScales(this.options.dp) };
  }

  private get robust(): boolean {
    return this.options.pooling.kind !== 'sum';
  }

  /** Computes the shared geometry from the current pool. Each call with privacy on is a new noisy release. */
  snapshot(round: number): GeometrySnapshot {
    const { stats, noise } = this.release();
    const classes: ClassGeometry[] = [];
    const withheld: number[] = [];
    const started = performance.now();
    for (const c of stats.classes) {
      if (c.count < this.options.minCount) {
        withheld.push(c.label);
        continue;
      }
      const { mean, covariance } = classMoments(c);
      classes.push(classShape(c.label, Math.round(c.count), mean, covariance, this.options));
    }
    // Debug: the coordinator's round line already names the snapshot a round carried; this is the pooling detail.
    log.debug(
      {
        round,
        classes: classes.length,
        withheld,
        ranks: classes.map((c) => c.eigenvalues.length),
        noise,
        ms: Math.round(performance.now() - started),
      },
      'geometry snapshot',
    );
    return { round, dim: this.options.dim, classes, withheld, noise };
  }

  /** Starts an empty pool (after a refresh, when embeddings have moved). */
  reset(): void {
    this.pool = createStats(this.options.numClasses, this.options.dim);
    this.contributions = [];
    this.contributorIds.clear();
  }
}
