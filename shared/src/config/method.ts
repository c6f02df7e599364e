import { z } from 'zod';

export const METHOD_NAMES = ['fedavg', 'fedprox', 'fedproto', 'fedetf', 'geofed'] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

export const CLASSIFIER_TYPES = ['learned', 'etf', 'simplex', 'orthoplex', 'cube', 'ebv', 'sparse-etf'] as const;
export type ClassifierType = (typeof CLASSIFIER_TYPES)[number];

/**
 * `method:` in a simulation config. The name picks defaults; each part of GeoFed can be switched on or off
 * by itself for ablations (`method.fixedClassifier`, `method.synthesis`, `method.prototypes`).
 */
export const methodSchema = z
  .object({
    name: z.enum(METHOD_NAMES).default('fedavg'),
    fixedClassifier: z.boolean().optional(),
    synthesis: z.boolean().optional(),
    prototypes: z.boolean().optional(),
    /** Cross-entropy on logits + log(client class prior) (FedETF). Defaults on with a fixed classifier. */
    balancedSoftmax: z.boolean().optional(),
    /**
     * Classes a client lacks get a prior at most this many nats below its largest class. An unbounded prior
     * (log of a tiny count) hurts badly when clients hold only one or two classes.
     */
    priorBound: z.number().positive().default(3),
    /** Weight of the prototype term: mean(1 - cos(z, prototype of its class)); scale-free, so z cannot shrink to cheat it. */
    prototypeWeight: z.number().min(0).default(0.1),
    /** Synthetic embeddings per real mini-batch, as a multiple of the batch size. */
    syntheticRatio: z.number().positive().default(1),
    /** Fill every class up to this count (`max`: the client's largest class). */
    synthesisTarget: z.union([z.literal('max'), z.number().int().positive()]).default('max'),
    /** Recompute the pooled geometry from fresh client statistics every this many rounds. */
    refreshEvery: z.number().int().positive().default(1),
    geometry: z
      .object({
        varianceFraction: z.number().gt(0).max(1).default(0.95),
        maxRank: z.number().int().positive().default(64),
        /** Classes pooled from fewer samples are withheld. */
        minCount: z.number().int().positive().default(10),
        /**
         * How the coordinator combines client statistics: `sum` (exact), or a rule robust to poisoned statistics,
         * `trimmed` (drops the `trimFraction` of contributors per class whose mean or spread stands out) or
         * `median-of-means` (over `groups` groups of clients). Robust rules need individual statistics, so they
         * do nothing under secure aggregation.
         */
        pooling: z.enum(['sum', 'trimmed', 'median-of-means']).default('sum'),
        trimFraction: z.number().gt(0).lt(0.5).default(0.2),
        groups: z.number().int().min(2).default(5),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const classifierSchema = z
  .object({
    type: z.enum(CLASSIFIER_TYPES).optional(),
    /** Dimension of the projected, normalised features the fixed classifier scores. */
    dim: z.number().int().positive().default(128),
    /** Initial value of the learnable temperature (logit scale). */
    temperature: z.number().positive().default(10),
    seed: z.number().int().min(0).default(0),
  })
  .strict();

export type MethodSettings = z.infer<typeof methodSchema>;
export type ClassifierSettings = z.infer<typeof classifierSchema>;

/** What a client does this round, fully resolved from the method's name and switches. Plain data (in a task). */
export interface MethodPlan {
  name: MethodName;
  fixedClassifier: boolean;
  balancedSoftmax: boolean;
  priorBound: number;
  synthesis: boolean;
  prototypes: boolean;
  prototypeWeight: number;
  syntheticRatio: number;
  synthesisTarget: number | 'max';
  /** Clients report class statistics of their embeddings (needed by synthesis and prototypes). */
  collectStatistics: boolean;
  /** Set by `privacy.clipNorm`: clients clip each embedding to this L2 norm before computing statistics. */
  clipNorm?: number;
}

const DEFAULTS: Record<MethodName, { fixedClassifier: boolean; synthesis: boolean; prototypes: boolean }> = {
  fedavg: { fixedClassifier: false, synthesis: false, prototypes: false },
  fedprox: { fixedClassifier: false, synthesis: false, prototypes: false },
  fedproto: { fixedClassifier: false, synthesis: false, prototypes: true },
  fedetf: { fixedClassifier: true, synthesis: false, prototypes: false },
  // Prototype alignment stays off in geofed: on top of the fixed head and synthesis it cost accuracy in every
  // ablation (simulations/bench/results/geometry.md); `method.prototypes: true` adds it back.
  geofed: { fixedClassifier: true, synthesis: true, prototypes: false },
};

export function resolveMethod(method: MethodSettings, classifier: ClassifierSettings): MethodPlan {
  const defaults = DEFAULTS[method.name];
  const fixedClassifier = method.fixedClassifier ?? (classifier.type !== undefined ? classifier.type !== 'learned' : defaults.fixedClassifier);
  const synthesis = method.synthesis ?? defaults.synthesis;
  const prototypes = method.prototypes ?? defaults.prototypes;
  return {
    name: method.name,
    fixedClassifier,
    balancedSoftmax: method.balancedSoftmax ?? fixedClassifier,
    priorBound: method.priorBound,
    synthesis,
    prototypes,
    prototypeWeight: method.prototypeWeight,
    syntheticRatio: method.syntheticRatio,
    synthesisTarget: method.synthesisTarget,
    collectStatistics: synthesis || prototypes,
  };
}
