import { z } from 'zod';

/**
 * `privacy:` in a run config. `clipNorm` bounds every embedding's L2 norm before class statistics are computed
 * (per-sample clipping on the client), so one sample's influence on the pooled statistics is bounded.
 */
export const privacySchema = z
  .object({
    clipNorm: z.number().positive().optional(),
  })
  .strict();

export type PrivacySettings = z.infer<typeof privacySchema>;
