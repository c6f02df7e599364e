import { z } from 'zod';

const dpFedAvgSchema = z
  .object({
    /** L2 bound S on one client's update w_k - w_global. */
    clipNorm: z.number().positive(),
    /** z: the noise on the sum of clipped updates has std z S. */
    noiseMultiplier: z.number().positive(),
  })
  .strict();

export type DpFedAvgSettings = z.infer<typeof dpFedAvgSchema>;

/**
 * `privacy:` in a run config.
 * - clipNorm: every embedding is clipped to this L2 norm before class statistics are computed (on the client),
 *   so one sample changes a count by 1, a sum by clipNorm and a second moment by clipNorm^2.
 * - noiseMultiplier: Gaussian noise on the pooled statistics, std noiseMultiplier times those sensitivities.
 * - dpFedAvg: update clipping and noise for the weights.
 * - mode: who adds the noise: the server to the sums (central), or each client a share under secure aggregation.
 * - delta, targetEpsilon: the accountant reports epsilon at delta every round; a run stops before a round that
 *   would take it past targetEpsilon.
 */
export const privacySchema = z
  .object({
    clipNorm: z.number().positive().optional(),
    noiseMultiplier: z.number().positive().optional(),
    dpFedAvg: dpFedAvgSchema.optional(),
    /** central: the server adds the noise to the sums; distributed: each client adds its share (secure aggregation). */
    mode: z.enum(['central', 'distributed']).default('central'),
    delta: z.number().gt(0).lt(1).default(1e-5),
    targetEpsilon: z.number().positive().optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.noiseMultiplier !== undefined && p.clipNorm === undefined) {
      ctx.addIssue({ code: 'custom', path: ['noiseMultiplier'], message: 'needs privacy.clipNorm: noise is calibrated to the clipped embeddings' });
    }
  });

export type PrivacySettings = z.infer<typeof privacySchema>;
