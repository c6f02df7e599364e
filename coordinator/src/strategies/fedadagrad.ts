import { AdaptiveStrategy, type AdaptiveOptions } from './adaptiveStrategy.ts';

/** FedAdagrad: v <- v + Delta^2. */
export class FedAdagrad extends AdaptiveStrategy {
  readonly name = 'fedadagrad';

  constructor(options: AdaptiveOptions) {
    super(options);
  }

  protected nextSecondMoment(v: number, deltaSquared: number): number {
    return v + deltaSquared;
  }
}
