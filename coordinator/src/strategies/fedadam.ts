import { AdaptiveStrategy, type AdaptiveOptions } from './adaptiveStrategy.ts';

export interface FedAdamOptions extends AdaptiveOptions {
  beta2: number;
}

/** FedAdam: v <- beta2 v + (1 - beta2) Delta^2. */
export class FedAdam extends AdaptiveStrategy {
  readonly name = 'fedadam';

  constructor(private readonly options: FedAdamOptions) {
    super(options);
  }

  protected nextSecondMoment(v: number, deltaSquared: number): number {
    return this.options.beta2 * v + (1 - this.options.beta2) * deltaSquared;
  }
}
