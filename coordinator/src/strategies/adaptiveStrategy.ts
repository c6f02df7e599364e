import { zerosLike, type WeightList } from '@geofed/shared/tensor/weights';
import { PseudoGradientStrategy, type WeightedMeanOptions } from './weightedMeanStrategy.ts';

export interface AdaptiveOptions extends WeightedMeanOptions {
  /** eta, the server learning rate. */
  serverLr: number;
  /** First-moment decay. */
  beta1: number;
  /** Adaptivity: floors the denominator sqrt(v) + tau, and v starts at tau^2. */
  tau: number;
}

interface Moments {
  m: WeightList;
  v: WeightList;
}

/**
 * FedAdam / FedYogi / FedAdagrad (Reddi et al., Algorithm 2), which differ only in how v moves:
 * m <- beta1 m + (1 - beta1) Delta;  v <- nextSecondMoment(v, Delta^2);  w <- w + eta m / (sqrt(v) + tau).
 * No bias correction, as in the paper. m starts at 0 and v at tau^2 (the paper asks for v >= tau^2).
 */
export abstract class AdaptiveStrategy extends PseudoGradientStrategy {
  private moments: Moments | undefined;

  protected constructor(private readonly adaptive: AdaptiveOptions) {
    super(adaptive);
  }

  protected abstract nextSecondMoment(v: number, deltaSquared: number): number;

  protected applyPseudoGradient(global: WeightList, delta: Float64Array[]): WeightList {
    const { serverLr, beta1, tau } = this.adaptive;
    const moments = this.moments ?? {
      m: zerosLike(global),
      v: global.map((t) => new Float32Array(t.length).fill(tau * tau)),
    };
    const next = global.map((w, i) => {
      const m = moments.m[i]!;
      const v = moments.v[i]!;
      const d = delta[i]!;
      const out = new Float32Array(w.length);
      for (let j = 0; j < w.length; j++) {
        const mj = beta1 * m[j]! + (1 - beta1) * d[j]!;
        const vj = this.nextSecondMoment(v[j]!, d[j]! * d[j]!);
        m[j] = mj;
        v[j] = vj;
        out[j] = w[j]! + (serverLr * mj) / (Math.sqrt(vj) + tau);
      }
      return out;
    });
    this.moments = moments;
    return next;
  }

  protected override stateTensorNames(): readonly string[] {
    return ['m', 'v'];
  }

  protected override exportTensors(): Record<string, WeightList> {
    return this.moments === undefined ? {} : { m: this.moments.m, v: this.moments.v };
  }

  protected override importTensors(tensors: Record<string, WeightList> | undefined): void {
    this.moments = tensors === undefined ? undefined : { m: tensors.m!, v: tensors.v! };
  }
}
