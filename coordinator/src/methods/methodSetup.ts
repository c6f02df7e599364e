import type { LocalTrainSettings } from '@geofed/shared/config/localTrain';
import { resolveMethod, type ClassifierSettings, type MethodPlan, type MethodSettings } from '@geofed/shared/config/method';
import { buildFixedClassifier, type FixedClassifier } from '@geofed/shared/math/classifiers/index';
import { headFor, type HeadSpec } from '@geofed/shared/models/geoModel';
import type { PrivacySettings } from '@geofed/shared/privacy/config';
import type { PoolingRule } from '../geometry/robustPooling.ts';
import { GeometryMethod } from './geometryMethod.ts';

/** FedProx's proximal weight when the method is fedprox and local.proximalMu is not set (design.md section 2). */
const FEDPROX_DEFAULT_MU = 0.01;

export interface MethodSetupInput {
  readonly method: MethodSettings;
  readonly classifier: ClassifierSettings;
  readonly numClasses: number;
  /** The run seed (seeds the geometry service's privacy noise). */
  readonly seed: number;
  /** `privacy:` settings; clipNorm makes clients clip embeddings before statistics. */
  readonly privacy?: PrivacySettings;
}

/** A method config made concrete: what clients are told, the head the model is built with, the server side. */
export interface MethodSetup {
  readonly plan: MethodPlan;
  /** The frozen head every client trains against, when the method has one. */
  readonly classifier: FixedClassifier | undefined;
  readonly head: HeadSpec;
  /** The local training settings this method runs with (FedProx gets a proximal term by default). */
  train(local: LocalTrainSettings): LocalTrainSettings;
  /** The server side, for a model whose embeddings have `embeddingDim` dimensions. */
  serverMethod(embeddingDim: number): GeometryMethod;
}

/**
 * `method:` and `classifier:` config sections -> fixed classifier, head spec and GeometryMethod: the one place
 * both the simulation runner and the coordinator service compose a method, so that a config means the same there.
 */
export function setupMethod({ method, classifier: settings, numClasses, seed, privacy }: MethodSetupInput): MethodSetup {
  const resolved = resolveMethod(method, settings);
  const plan = privacy?.clipNorm === undefined ? resolved : { ...resolved, clipNorm: privacy.clipNorm };
  const type = settings.type === undefined || settings.type === 'learned' ? 'etf' : settings.type;
  const classifier = plan.fixedClassifier ? buildFixedClassifier({ type, numClasses, dim: settings.dim, seed: settings.seed }) : undefined;
  return {
    plan,
    classifier,
    head: headFor(classifier, settings.temperature),
    train: (local) => (plan.name === 'fedprox' && local.proximalMu === 0 ? { ...local, proximalMu: FEDPROX_DEFAULT_MU } : local),
    serverMethod: (embeddingDim) =>
      new GeometryMethod({
        plan,
        geometry: {
          numClasses,
          dim: embeddingDim,
          minCount: method.geometry.minCount,
          rank: { varianceFraction: method.geometry.varianceFraction },
          maxRank: method.geometry.maxRank,
          seed,
          pooling: poolingRule(method.geometry),
          // Central DP: the geometry service adds the noise to the pooled statistics it releases.
          ...(privacy?.mode !== 'distributed' && privacy?.noiseMultiplier !== undefined && privacy.clipNorm !== undefined
            ? { dp: { noiseMultiplier: privacy.noiseMultiplier, clipNorm: privacy.clipNorm } }
            : {}),
          noisyStatistics: privacy?.mode === 'distributed',
        },
        refreshEvery: method.refreshEvery,
        classifierBytes: classifier ? classifier.weights.length * 4 : 0,
        numSamplesCountsSamples: privacy?.dpFedAvg === undefined,
      }),
  };
}

function poolingRule(geometry: MethodSettings['geometry']): PoolingRule {
  switch (geometry.pooling) {
    case 'sum':
      return { kind: 'sum' };
    case 'trimmed':
      return { kind: 'trimmed', fraction: geometry.trimFraction };
    case 'median-of-means':
      return { kind: 'median-of-means', groups: geometry.groups };
  }
}
