import { z } from 'zod';

/** The knobs of local training, as a simulation config's `local:` section and a round task carry them. */
export const localTrainSchema = z
  .object({
    epochs: z.number().int().positive().default(1),
    batchSize: z.number().int().positive().default(32),
    lr: z.number().positive().default(0.05),
    optimizer: z.enum(['sgd', 'adam']).default('sgd'),
    /** SGD momentum (0 = plain SGD). Ignored by Adam. */
    momentum: z.number().min(0).max(0.999).default(0),
    weightDecay: z.number().min(0).default(0),
    /** FedProx: (mu/2) ||w - w_global||^2. 0 turns it off. */
    proximalMu: z.number().min(0).default(0),
  })
  .strict();

export type LocalTrainSettings = z.infer<typeof localTrainSchema>;

/** Settings plus the per-client, per-round shuffling seed. */
export type LocalTrainConfig = LocalTrainSettings & { seed: number };
