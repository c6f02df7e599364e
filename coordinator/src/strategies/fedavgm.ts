import { zerosLike, type WeightList } from '@geofed/shared/tensor/weights';
import { PseudoGradientStrategy, type WeightedMeanOptions } from './weightedMeanStrategy.ts';

export interface FedAvgMOptions extends WeightedMeanOptions {
  /** eta, the server learning rate. */
  serverLr: number;
  /** Momentum decay. */
  beta: number;
}

/** FedAvgM (server momentum, Hsu et al.): m <- beta m + Delta, w <- w + eta m. */
export class FedAvgM extends PseudoGradientStrategy {
  readonly name = 'fedavgm';
  private momentum: WeightList | undefined;

  constructor(private readonly options: FedAvgMOptions) {
    super(options);
  }

  protected applyPseudoGradient(global: WeightList, delta: Float64Array[]): WeightList {
    const { serverLr, beta } = this.options;
    const momentum = this.momentum ?? zerosLike(global);
    const next = global.map((w, i) => {
      const m = momentum[i]!;
      const d = delta[i]!;
      const out = new Float32Array(w.length);
      for (let j = 0; j < w.length; j++) {
        const mj = beta * m[j]! + d[j]!;
        m[j] = mj;
        out[j] = w[j]! + serverLr * mj;
      }
      return out;
    });
    this.momentum = momentum;
    return next;
  }

  protected override stateTensorNames(): readonly string[] {
    return ['momentum'];
  }

  protected override exportTensors(): Record<string, WeightList> {
    return this.momentum === undefined ? {} : { momentum: this.momentum };
  }

  protected override importTensors(tensors: Record<string, WeightList> | undefined): void {
    this.momentum = tensors?.momentum;
  }
}
