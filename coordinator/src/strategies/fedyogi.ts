import { AdaptiveStrategy, type AdaptiveOptions } from './adaptiveStrategy.ts';

export interface FedYogiOptions extends AdaptiveOptions {
  beta2: number;
}

/** FedYogi: v <- v - (1 - beta2) Delta^2 sign(v - Delta^2); v moves additively, so it forgets more slowly than Adam's. */
export class FedYogi extends AdaptiveStrategy {
  readonly name = 'fedyogi';

  constructor(private readonly options: FedYogiOptions) {
    super(options);
  }

  protected nextSecondMoment(v: number, deltaSquared: number): number {
    return v - (1 - this.options.beta2) * deltaSquared * Math.sign(v - deltaSquared);
  }
}
