import { z } from 'zod';

/**
 * Optional in the schema so a config can keep the client count beside the spec; `partition()` needs it
 * (except for `file`, where it only checks the file's count).
 */
const clients = z.number().int().min(1).optional();
const alpha = z.number().gt(0, { message: 'must be > 0' });
/** Redraw until every client holds at least this many samples (10 as in NIID-Bench). */
const minSize = z.number().int().min(0).default(10);

export const DOMAIN_KINDS = ['rotation', 'noise', 'invert', 'contrast'] as const;
export type DomainKind = (typeof DOMAIN_KINDS)[number];

export const partitionSpecSchema = z.discriminatedUnion('scheme', [
  z.object({ scheme: z.literal('iid'), clients }).strict(),
  z.object({ scheme: z.literal('dirichlet'), clients, alpha, minSize }).strict(),
  z.object({ scheme: z.literal('shards'), clients, classesPerClient: z.number().int().min(1) }).strict(),
  z.object({ scheme: z.literal('quantity'), clients, alpha, minSize }).strict(),
  z
    .object({
      scheme: z.literal('longtail'),
      clients,
      /** n_min / n_max of the long-tailed training set, e.g. 0.01. */
      imbalance: z
        .number()
        .gt(0, { message: 'must be in (0, 1] (n_min/n_max, e.g. 0.01)' })
        .max(1, { message: 'must be in (0, 1] (n_min/n_max, e.g. 0.01)' }),
      alpha,
      minSize,
    })
    .strict(),
  z
    .object({
      scheme: z.literal('domain'),
      clients,
      /** Which parts of the transform vary across clients. */
      kinds: z.array(z.enum(DOMAIN_KINDS)).min(1).default([...DOMAIN_KINDS]),
      maxRotationDeg: z.number().min(0).max(180).default(45),
      maxNoiseStd: z.number().min(0).default(0.3),
      /** Lowest contrast factor; clients spread between it and 1. */
      minContrast: z.number().gt(0).max(1).default(0.3),
    })
    .strict(),
  z
    .object({
      scheme: z.literal('file'),
      /** JSON file with a `clients` array of arrays of training indices. */
      file: z.string().min(1),
      /** If given, the file must hold exactly this many clients. */
      clients,
    })
    .strict(),
]);

export type PartitionSpec = z.output<typeof partitionSpecSchema>;
export type PartitionSpecInput = z.input<typeof partitionSpecSchema>;
export type PartitionScheme = PartitionSpec['scheme'];
export const PARTITION_SCHEMES: readonly PartitionScheme[] = partitionSpecSchema.options.map((o) => o.shape.scheme.value);
