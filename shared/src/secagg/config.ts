import { z } from 'zod';

/**
 * `secureAggregation:` in a run config. With it on, the server learns only the sum of the round's updates and
 * class statistics. `threshold` is the fewest clients that must stay to the end of a round (default: two thirds
 * of the round's clients, at least 2); up to (clients - threshold) may drop out. `updateBound` is the largest
 * |w_client - w_global| per weight a client may send: it sets the fixed-point range, and a larger update is refused.
 */
export const secureAggregationSchema = z
  .object({
    enabled: z.boolean().default(false),
    threshold: z.number().int().min(2).optional(),
    updateBound: z.number().positive().default(4),
  })
  .strict();

export type SecureAggregationSettings = z.infer<typeof secureAggregationSchema>;

/** The threshold for a round of `clients` clients: the configured one, or two thirds of them (at least 2). */
export function roundThreshold(settings: SecureAggregationSettings, clients: number): number {
  return settings.threshold ?? Math.max(2, Math.ceil((2 * clients) / 3));
}
