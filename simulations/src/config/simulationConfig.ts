import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { applyOverrides, readYamlFile, validate } from '@geofed/shared/config/load';
import { partitionSpecSchema } from '@geofed/shared/partition/index';
import { representationSettingsSchema } from '@geofed/shared/representation/settings';
import { checkQuorum, federationKeys } from '@geofed/coordinator/federation/federationConfig';

/**
 * A simulation config, as written in YAML. Every object is strict, so a misspelt key is named instead of being
 * ignored. The keys here are a contract: tests, sweeps and users rely on them.
 */
const configObject = z
  .object({
    ...federationKeys,
    /** `federated`, or `centralized`: one client holding all training data (the upper bound). */
    mode: z.enum(['federated', 'centralized']).default('federated'),
    clients: z.number().int().positive().default(10),
    /** How the training set is split; `partition.clients` is taken from `clients`. */
    partition: partitionSpecSchema,
    /**
     * Train the round's clients on `geofed worker` processes through Redis (any number of machines) instead of in
     * this process: `jobsPerRound` batches per round; the queue prefix is the workers' (GEOFED_QUEUE_PREFIX).
     */
    cluster: z
      .object({
        url: z.string().min(1),
        jobsPerRound: z.number().int().positive().default(2),
        prefix: z.string().min(1).optional(),
        /**
         * FedAvg family: each job sends one partial aggregate (false: every update, so the norm bound judges each
         * client rather than each job's aggregate, at O(clients x model) bytes per round).
         */
        partialAggregates: z.boolean().default(true),
      })
      .strict()
      .optional(),
    /** Worker threads training clients in parallel; `auto` = one per core. Results do not depend on it. */
    threads: z.union([z.number().int().positive(), z.literal('auto')]).default(1),
    evaluation: z
      .object({
        batchSize: z.number().int().positive().default(1000),
        /** After the last round: each client fine-tunes the head on its own data (0 epochs turns this off). */
        personalization: z
          .object({ epochs: z.number().int().min(0).default(1), maxClients: z.number().int().positive().default(20) })
          .strict()
          .prefault({}),
        /** Linear probe, kNN and neural collapse of the global backbone's embeddings (off unless enabled). */
        representation: representationSettingsSchema.prefault({}),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    checkQuorum(config, ctx);
    if (config.partition.clients !== config.clients) {
      ctx.addIssue({
        code: 'custom',
        path: ['partition', 'clients'],
        message: `is ${config.partition.clients} but clients is ${config.clients}; set only the top-level clients`,
      });
    }
  });

/** The client count lives at the top level (a contract key); the partitioner gets it from there. */
export const simulationConfigSchema = z.preprocess((raw) => {
  if (typeof raw !== 'object' || raw === null) return raw;
  const config = raw as Record<string, unknown>;
  const clients = config.clients ?? 10;
  const partition = (config.partition ?? { scheme: 'iid' }) as Record<string, unknown>;
  if (typeof partition !== 'object' || partition === null) return raw;
  return { ...config, partition: { clients, ...partition } };
}, configObject);

export type SimulationConfig = z.infer<typeof simulationConfigSchema>;

/** Paths in a config are relative to the config file, wherever the command runs. */
function resolvePaths(config: SimulationConfig, baseDir: string): SimulationConfig {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const resolved: SimulationConfig = { ...config };
  if (resolved.init) resolved.init = abs(resolved.init);
  if (resolved.checkpoint.dir) resolved.checkpoint = { ...resolved.checkpoint, dir: abs(resolved.checkpoint.dir) };
  if (resolved.partition.scheme === 'file') resolved.partition = { ...resolved.partition, file: abs(resolved.partition.file) };
  if (resolved.dataset.name === 'embeddings') {
    const d = resolved.dataset;
    resolved.dataset = { ...d, trainFeatures: abs(d.trainFeatures), trainLabels: abs(d.trainLabels), testFeatures: abs(d.testFeatures), testLabels: abs(d.testLabels) };
  }
  return resolved;
}

export function parseSimulationConfig(raw: unknown, baseDir: string, overrides: readonly string[] = []): SimulationConfig {
  const config = validate(simulationConfigSchema, applyOverrides(raw, overrides), 'simulation config');
  return resolvePaths(config, baseDir);
}

export function loadSimulationConfig(file: string, overrides: readonly string[] = []): SimulationConfig {
  return parseSimulationConfig(readYamlFile(file, 'simulation config'), dirname(resolve(file)), overrides);
}
