import type { NoiseRecord } from '@geofed/shared/geometry/snapshot';
import type { EmbeddingStats } from '@geofed/shared/geometry/stats';
import type { Rng } from '@geofed/shared/math/rng';

/**
 * Gaussian mechanism on pooled sufficient statistics. With every embedding clipped to norm <= clipNorm, one
 * sample changes n by 1, s by at most clipNorm and S by at most clipNorm^2 (Frobenius), so the noise standard
 * deviations are noiseMultiplier times those sensitivities. S gets symmetric noise (upper triangle drawn,
 * mirrored) so it stays a valid symmetric matrix; the eigen-decomposition clips what noise makes negative.
 */
export interface PrivacyNoiseOptions {
  readonly noiseMultiplier: number;
  readonly clipNorm: number;
}

export function noiseScales(dp: PrivacyNoiseOptions): NoiseRecord {
  return {
    countStd: dp.noiseMultiplier,
    sumStd: dp.noiseMultiplier * dp.clipNorm,
    outerStd: dp.noiseMultiplier * dp.clipNorm ** 2,
  };
}

/**
 * Noisy copy of `stats`; counts stay real-valued here (the caller decides how to withhold small ones).
 * Class order is fixed, so the same rng state gives the same noise.
 */
export function addPrivacyNoise(stats: EmbeddingStats, dp: PrivacyNoiseOptions, rng: Rng): EmbeddingStats {
  const { countStd, sumStd, outerStd } = noiseScales(dp);
  const d = stats.dim;
  return {
    numClasses: stats.numClasses,
    dim: d,
    classes: stats.classes.map((c) => {
      const sum = Float64Array.from(c.sum, (v) => v + sumStd * rng.normal());
      const outer = Float64Array.from(c.outer);
      for (let i = 0; i < d; i++) {
        for (let j = i; j < d; j++) {
          const noisy = outer[i * d + j]! + outerStd * rng.normal();
          outer[i * d + j] = noisy;
          outer[j * d + i] = noisy;
        }
      }
      return { label: c.label, count: c.count + countStd * rng.normal(), sum, outer };
    }),
  };
}
