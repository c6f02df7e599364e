import { z } from 'zod';

/**
 * `evaluation.representation`: scoring the global backbone's embeddings (linear probe, kNN, neural collapse).
 * Off by default because it embeds thousands of rows and fits a probe; the benches turn it on.
 */
export const representationSettingsSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** Also every this many rounds (0: only after the last round, which is always scored when enabled). */
    every: z.number().int().min(0).default(0),
    /** Train rows embedded (a seeded sample, the same every round), fitting the probe and serving as kNN neighbours. */
    trainRows: z.number().int().positive().default(10000),
    /** Neighbours of the kNN classifier (20, as design.md section 11 notes is common). */
    neighbours: z.number().int().positive().default(20),
  })
  .strict();

export type RepresentationSettings = z.infer<typeof representationSettingsSchema>;

/** Whether `round` of `totalRounds` is scored. */
export function representationDue(settings: RepresentationSettings, round: number, totalRounds: number): boolean {
  return settings.enabled && (round === totalRounds || (settings.every > 0 && round % settings.every === 0));
}
