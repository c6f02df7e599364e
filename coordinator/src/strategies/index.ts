import { z } from 'zod';
import { describeIssues } from '@geofed/shared/config/describeIssues';
import { GeoFedError } from '@geofed/shared/errors';
import { FedAdagrad } from './fedadagrad.ts';
import { FedAdam } from './fedadam.ts';
import { FedAvg } from './fedavg.ts';
import { FedAvgM } from './fedavgm.ts';
import { FedMedian } from './fedmedian.ts';
import { FedTrimmedAvg } from './fedtrimmedavg.ts';
import { FedYogi } from './fedyogi.ts';
import { Krum } from './krum.ts';
import { DEFAULT_NORM_BOUND } from './normBound.ts';
import type { Strategy } from './types.ts';

export type { Aggregator, ClientUpdate, RoundConfig, Strategy, StrategyState, Verdict } from './types.ts';
export type { NormBoundSpec } from './normBound.ts';
export { UPDATE_REJECTED } from './validateUpdate.ts';
export { DEFAULT_TRIM_FRACTION } from './fedtrimmedavg.ts';

// Every strategy may serve FedProx: the term is client-side, the server only forwards mu.
const common = { proximalMu: z.number().min(0).optional() };
const decay = z.number().min(0).lt(1);
const maxBufferedUpdates = z.int().min(1).default(256);
// The FedAvg family's bound on one client's update (see NormBoundSpec); on by default.
const normBound = z
  .union([
    z.strictObject({
      maxRelative: z.number().gt(1).default(DEFAULT_NORM_BOUND.maxRelative),
      warmup: z.int().min(1).default(DEFAULT_NORM_BOUND.warmup),
    }),
    z.strictObject({ clip: z.number().positive() }),
    z.literal('off'),
  ])
  .default(DEFAULT_NORM_BOUND);
const weightedMean = { ...common, normBound };

/*
 * Defaults. FedAvgM: eta = 1, beta = 0.9. Adaptive family: beta1 = 0.9, beta2 = 0.99 as fixed throughout
 * Reddi et al.'s experiments; eta = 0.01 and tau = 1e-3, inside the ranges their tuning found good (both are
 * task-dependent: tune them). FedAdagrad has no beta2 (v only accumulates).
 */
const adaptive = {
  ...weightedMean,
  serverLr: z.number().positive().default(0.01),
  beta1: decay.default(0.9),
  tau: z.number().positive().default(1e-3),
};

export const strategySpecSchema = z.discriminatedUnion('name', [
  z.strictObject({ name: z.literal('fedavg'), ...weightedMean }),
  z.strictObject({
    name: z.literal('fedavgm'),
    ...weightedMean,
    serverLr: z.number().positive().default(1),
    beta: decay.default(0.9),
  }),
  z.strictObject({ name: z.literal('fedadam'), ...adaptive, beta2: decay.default(0.99) }),
  z.strictObject({ name: z.literal('fedyogi'), ...adaptive, beta2: decay.default(0.99) }),
  z.strictObject({ name: z.literal('fedadagrad'), ...adaptive }),
  z.strictObject({ name: z.literal('fedmedian'), ...common, maxBufferedUpdates }),
  z
    .strictObject({
      name: z.literal('fedtrimmedavg'),
      ...common,
      maxBufferedUpdates,
      // Per side; with neither given, trimFraction = DEFAULT_TRIM_FRACTION (0.1).
      trimFraction: z.number().min(0).lt(0.5).optional(),
      b: z.int().min(0).optional(),
    })
    .refine((s) => s.trimFraction === undefined || s.b === undefined, {
      message: 'give either trimFraction or b, not both',
    }),
  z.strictObject({
    name: z.literal('krum'),
    ...common,
    maxBufferedUpdates,
    f: z.int().min(0).default(1),
    multi: z.int().min(1).default(1),
  }),
]);

/** A strategy spec as written in configuration (defaults optional). */
export type StrategySpec = z.input<typeof strategySpecSchema>;
/** A validated spec with every default filled in. */
export type ResolvedStrategySpec = z.output<typeof strategySpecSchema>;
export type StrategyName = ResolvedStrategySpec['name'];

export const strategyNames: readonly StrategyName[] = strategySpecSchema.options.map((o) => o.shape.name.value);

export function createStrategy(spec: StrategySpec): Strategy {
  const parsed = strategySpecSchema.safeParse(spec);
  if (!parsed.success) {
    throw new GeoFedError(`invalid strategy spec: ${describeIssues(parsed.error, { input: spec })}`, {
      remedy: `name is one of ${strategyNames.join(', ')}; see strategySpecSchema for each one's options`,
      code: 'INVALID_STRATEGY_SPEC',
    });
  }
  const s = parsed.data;
  switch (s.name) {
    case 'fedavg':
      return new FedAvg(s);
    case 'fedavgm':
      return new FedAvgM(s);
    case 'fedadam':
      return new FedAdam(s);
    case 'fedyogi':
      return new FedYogi(s);
    case 'fedadagrad':
      return new FedAdagrad(s);
    case 'fedmedian':
      return new FedMedian(s);
    case 'fedtrimmedavg':
      return new FedTrimmedAvg(s);
    case 'krum':
      return new Krum(s);
  }
}
