import { z } from 'zod';

/**
 * Which network to train. Every model is split as backbone -> embedding z -> head, so that the GeoFed method can
 * read z, swap the learned head for a fixed classifier, or train the head on synthetic embeddings.
 */
export const modelSpecSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('mlp'),
      /** Hidden layer widths; the last one is the embedding dimension. The classic "2NN" is [200, 200]. */
      hidden: z.array(z.number().int().positive()).min(1).default([200, 200]),
    })
    .strict(),
  z
    .object({
      type: z.literal('cnn'),
      /** The FedAvg CNN: conv 5x5 (filters[0]), pool, conv 5x5 (filters[1]), pool, dense (dense) -> z. */
      filters: z.tuple([z.number().int().positive(), z.number().int().positive()]).default([32, 64]),
      dense: z.number().int().positive().default(512),
    })
    .strict(),
  z
    .object({
      type: z.literal('head'),
      /** For pre-computed embeddings: d -> hidden -> K. */
      hidden: z.number().int().positive().default(256),
    })
    .strict(),
]);

export type ModelSpec = z.infer<typeof modelSpecSchema>;
export type ModelType = ModelSpec['type'];

/** `model: mlp` in a config is shorthand for `model: { type: mlp }`. */
export const modelSpecInput = z.preprocess(
  (v) => (typeof v === 'string' ? { type: v } : v),
  modelSpecSchema,
);
