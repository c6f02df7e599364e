/**
 * Epsilon of a federated run, round by round, for one training sample (example-level DP; DP-FedAvg's client-level
 * protection implies it). Each round releases the new weights, and on geometry refreshes the pooled class
 * statistics; the accountant composes one sampled Gaussian mechanism per noisy release. A release without noise
 * makes epsilon infinite from then on (reported as null in result.json).
 *
 * - Weights under DP-FedAvg: noise multiplier z.
 * - Statistics: count, sum and second moment each get noise multiplier sigma over their own sensitivity, one
 *   Gaussian mechanism on the joint vector with noise multiplier sigma / sqrt(3). With refreshEvery = r > 1 a
 *   sample may enter a release r times: sensitivity r, and no sampling amplification is claimed.
 * - Sampling rate q: the fraction of clients a round selects (a sample takes part iff its client does), analysed as
 *   Poisson sampling; with every client in every round q = 1 and the analysis is exact.
 */
import { RdpAccountant, type SampledGaussian } from './accountant.ts';
import type { PrivacySettings } from './config.ts';

export interface RunShape {
  readonly collectStatistics: boolean;
  readonly refreshEvery: number;
  /** Fraction of clients selected per round. */
  readonly q: number;
}

export class RunAccountant {
  private readonly rdp: RdpAccountant;
  private unprotected = false;

  private constructor(
    private readonly privacy: PrivacySettings,
    private readonly shape: RunShape,
  ) {
    this.rdp = new RdpAccountant(privacy.delta);
  }

  /** An accountant when the run adds any privacy noise; undefined otherwise (nothing to account). */
  static for(privacy: PrivacySettings, shape: RunShape): RunAccountant | undefined {
    return privacy.noiseMultiplier !== undefined || privacy.dpFedAvg !== undefined ? new RunAccountant(privacy, shape) : undefined;
  }

  /** Epsilon the run would reach after `round`, without recording it. */
  epsilonIfRun(round: number): number {
    const mechanisms = this.mechanisms(round);
    return mechanisms === 'unprotected' || this.unprotected ? Infinity : this.rdp.epsilonAfter(mechanisms);
  }

  /** True when running `round` would take epsilon past privacy.targetEpsilon. */
  wouldExceedTarget(round: number): boolean {
    return this.privacy.targetEpsilon !== undefined && this.epsilonIfRun(round) > this.privacy.targetEpsilon;
  }

  /** Records `round`'s releases; returns epsilon so far. */
  completeRound(round: number): number {
    const mechanisms = this.mechanisms(round);
    if (mechanisms === 'unprotected') this.unprotected = true;
    else this.rdp.compose(mechanisms);
    return this.unprotected ? Infinity : this.rdp.epsilon;
  }

  private mechanisms(round: number): SampledGaussian[] | 'unprotected' {
    const { dpFedAvg, noiseMultiplier } = this.privacy;
    const { q, collectStatistics, refreshEvery } = this.shape;
    if (!dpFedAvg) return 'unprotected';
    const released: SampledGaussian[] = [{ q, noiseMultiplier: dpFedAvg.noiseMultiplier }];
    // Mirrors GeometryMethod.endRound: a snapshot after round 1 and then every refreshEvery rounds.
    if (collectStatistics && (round === 1 || round % refreshEvery === 0)) {
      if (noiseMultiplier === undefined) return 'unprotected';
      released.push(
        refreshEvery === 1
          ? { q, noiseMultiplier: noiseMultiplier / Math.sqrt(3) }
          : { q: 1, noiseMultiplier: noiseMultiplier / (Math.sqrt(3) * refreshEvery) },
      );
    }
    return released;
  }
}
