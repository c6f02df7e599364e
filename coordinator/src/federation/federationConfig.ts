import { z } from 'zod';
import { localTrainSchema } from '@geofed/shared/config/localTrain';
import { classifierSchema, methodSchema } from '@geofed/shared/config/method';
import { datasetSpecSchema } from '@geofed/shared/data/registry';
import { modelSpecInput } from '@geofed/shared/models/modelSpec';
import { privacySchema } from '@geofed/shared/privacy/config';
import { secureAggregationSchema } from '@geofed/shared/secagg/config';
import { BACKEND_NAMES } from '@geofed/shared/tf/backendNames';
import { strategySpecSchema } from '../strategies/index.ts';

/**
 * The config keys a simulation and a coordinator share, with one meaning and one default: what buildFederation
 * reads. Each config adds its own (partition and threads; network, auth and deadlines).
 */
export const federationKeys = {
  /** `fashion-mnist`, or an object such as `{ name: synthetic, numClasses: 10, dim: 32 }`. */
  dataset: z.preprocess((v) => (typeof v === 'string' ? { name: v } : v), datasetSpecSchema),
  model: modelSpecInput.default({ type: 'mlp', hidden: [200, 200] }),
  strategy: strategySpecSchema.prefault({ name: 'fedavg' }),
  rounds: z.number().int().positive().default(20),
  local: localTrainSchema.default(localTrainSchema.parse({})),
  /** fedavg | fedprox | fedproto | fedetf | geofed, with switches for ablations. */
  method: methodSchema.default(methodSchema.parse({})),
  /** The fixed classifier head (used when the method has one). */
  classifier: classifierSchema.default(classifierSchema.parse({})),
  /** Share of the available clients sampled each round (ignored when clientsPerRound is set). */
  fractionPerRound: z.number().gt(0).max(1).default(1),
  /** Exactly this many clients per round (fewer if fewer are available). */
  clientsPerRound: z.number().int().positive().optional(),
  minClientsPerRound: z.number().int().positive().default(1),
  /** Fewer accepted updates than this and a round's aggregate is discarded (the weights stay as they were). */
  quorum: z.number().int().positive().default(1),
  seed: z.number().int().min(0).max(2 ** 32 - 1).default(0),
  /** A GeoFed weights file (see `geofed weights import`) to start from instead of a seeded initialisation. */
  init: z.string().min(1).optional(),
  /** `auto` picks tfjs-node, then GeoFed's wasm, then cpu; see `geofed doctor`. */
  backend: z.enum(['auto', ...BACKEND_NAMES]).default('auto'),
  /** The server learns only sums of updates and class statistics (FedAvg-family strategies). */
  secureAggregation: secureAggregationSchema.prefault({}),
  privacy: privacySchema.prefault({}),
  checkpoint: z
    .object({
      /** Folder for the checkpoint (`--checkpoint-dir` overrides it); no checkpoints without one. */
      dir: z.string().min(1).optional(),
      /** Write it after every this many rounds (and after the last). */
      every: z.number().int().positive().default(1),
    })
    .strict()
    .prefault({}),
};

/** A quorum no round can reach is a config mistake, not a run that silently never aggregates. */
export function checkQuorum(config: { quorum: number; clientsPerRound?: number | undefined }, ctx: z.RefinementCtx): void {
  if (config.quorum > (config.clientsPerRound ?? Infinity)) {
    ctx.addIssue({ code: 'custom', path: ['quorum'], message: `is ${config.quorum}, more than clientsPerRound (${config.clientsPerRound})` });
  }
}
