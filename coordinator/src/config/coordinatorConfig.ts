import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { applyOverrides, readYamlFile, validate } from '@geofed/shared/config/load';
import { MIN_FRAME_BYTES } from '@geofed/shared/wire/framing';
import { checkQuorum, federationKeys } from '../federation/federationConfig.ts';

const encoding = z.enum(['f32', 'f16', 'int8']);
const MiB = 1024 * 1024;

const authSchema = z
  .object({
    /** client id -> token. */
    tokens: z.record(z.string().min(1), z.string().min(16, { message: 'tokens must be at least 16 characters' })).optional(),
    /** Secret for HMAC-signed tokens (see `geofed token`); or name the environment variable holding it. */
    hmacSecret: z.string().min(32, { message: 'must be at least 32 characters' }).optional(),
    hmacSecretEnv: z.string().min(1).optional(),
  })
  .strict()
  .refine((a) => a.tokens !== undefined || a.hmacSecret !== undefined || a.hmacSecretEnv !== undefined, {
    message: 'give tokens (client id -> token), hmacSecret or hmacSecretEnv',
  })
  .refine((a) => a.hmacSecret === undefined || a.hmacSecretEnv === undefined, { message: 'give hmacSecret or hmacSecretEnv, not both' });

/**
 * A coordinator config, as written in YAML. Every object is strict, so a misspelt key is named instead of being
 * ignored. Durations are in seconds, sizes in bytes.
 */
const configObject = z
  .object({
    ...federationKeys,
    /** A fresh start waits for this many clients before its first round (default minClientsPerRound). */
    waitForClients: z.number().int().positive().optional(),
    /**
     * A resumed run waits for this many before its next round (default minClientsPerRound): clients come back one
     * by one, and some of those a fresh start waited for may be gone for good.
     */
    resumeWaitForClients: z.number().int().positive().optional(),
    /** A round closes when every selected client answered or this much time passed. */
    deadlineSeconds: z.number().positive().default(600),
    /** A selected client that disconnects counts as dropped unless it is back within this time. */
    reconnectGraceSeconds: z.number().min(0).default(10),
    heartbeatSeconds: z.number().positive().default(5),
    auth: authSchema,
    tls: z.object({ cert: z.string().min(1), key: z.string().min(1) }).strict().optional(),
    /** Largest socket frame accepted; larger messages must come as chunks. */
    maxMessageBytes: z.number().int().min(MIN_FRAME_BYTES).default(4 * MiB),
    /** Bytes of client uploads (reassembly and decoded updates) held at once over all connections. */
    uploadBudgetBytes: z.number().int().positive().default(256 * MiB),
    encoding: z
      .object({
        /** How tasks' weights travel; every client must be able to decode it. */
        download: encoding.default('f32'),
        /** Preferred upload encoding; a client that cannot produce it uses the first it advertised. */
        upload: encoding.default('f32'),
      })
      .strict()
      .default({ download: 'f32', upload: 'f32' }),
    evaluation: z
      .object({
        /** Evaluate the global model on the test split after every round (off for transport benchmarks). */
        enabled: z.boolean().default(true),
        batchSize: z.number().int().positive().default(1000),
      })
      .strict()
      .default({ enabled: true, batchSize: 1000 }),
    /**
     * The demo page at /client/: browsers train on `samples` training rows the coordinator serves them. Off (0) by
     * default: it hands out training data to anyone who asks.
     */
    browserDemo: z.object({ samples: z.number().int().min(0).max(10000).default(0) }).strict().default({ samples: 0 }),
    /** The live dashboard at /: read-only; with tokenEnv, its data needs the operator token held in that variable. */
    dashboard: z.object({ tokenEnv: z.string().min(1).optional() }).strict().default({}),
  })
  .strict()
  // secureAggregation and privacy are accepted (federationKeys) so that a simulation config's sections read the same here.
  .superRefine((c, ctx) => {
    // The masking protocol and per-sample clipping run in simulations; socket clients do not speak them yet, so
    // a deployment that asks for them must not silently run without.
    if (c.secureAggregation.enabled) {
      ctx.addIssue({
        code: 'custom',
        path: ['secureAggregation', 'enabled'],
        message: 'secure aggregation is available in simulations (geofed simulate) only; networked clients do not run the masking protocol yet, so remove it here',
      });
    }
    for (const key of ['clipNorm', 'noiseMultiplier', 'dpFedAvg', 'targetEpsilon'] as const) {
      if (c.privacy[key] === undefined) continue;
      ctx.addIssue({
        code: 'custom',
        path: ['privacy', key],
        message: 'differential privacy (clipping, noise, accounting) is available in simulations (geofed simulate) only; networked runs do not apply it yet, so remove it here',
      });
    }
    checkQuorum(c, ctx);
  });

export type CoordinatorConfig = z.infer<typeof configObject>;

function resolvePaths(config: CoordinatorConfig, baseDir: string): CoordinatorConfig {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const resolved: CoordinatorConfig = { ...config, checkpoint: { ...config.checkpoint } };
  if (resolved.init) resolved.init = abs(resolved.init);
  if (resolved.tls) resolved.tls = { cert: abs(resolved.tls.cert), key: abs(resolved.tls.key) };
  if (resolved.checkpoint.dir) resolved.checkpoint.dir = abs(resolved.checkpoint.dir);
  if (resolved.dataset.name === 'embeddings') {
    const d = resolved.dataset;
    resolved.dataset = { ...d, trainFeatures: abs(d.trainFeatures), trainLabels: abs(d.trainLabels), testFeatures: abs(d.testFeatures), testLabels: abs(d.testLabels) };
  }
  return resolved;
}

export function parseCoordinatorConfig(raw: unknown, baseDir: string, overrides: readonly string[] = []): CoordinatorConfig {
  return resolvePaths(validate(configObject, applyOverrides(raw, overrides), 'coordinator config'), baseDir);
}

/** Paths in the file are relative to it. */
export function loadCoordinatorConfig(file: string, overrides: readonly string[] = []): CoordinatorConfig {
  return parseCoordinatorConfig(readYamlFile(file, 'coordinator config'), dirname(resolve(file)), overrides);
}
