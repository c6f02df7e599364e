/**
 * Rényi-DP accountant for the sampled Gaussian mechanism (Mironov, Talwar, Zhang: "Rényi Differential Privacy of
 * the Sampled Gaussian Mechanism", 2019, section 3.3): a Gaussian mechanism with noise multiplier sigma (noise std
 * over L2 sensitivity) applied to a Poisson sample of rate q. RDP composes by addition over rounds and mechanisms;
 * the total is converted to (epsilon, delta) at the best of a grid of orders.
 *
 * Two conversions: `classic` (Mironov 2017, Prop. 3: eps = rdp + log(1/delta) / (alpha - 1)), which the published
 * TensorFlow Privacy tables used, and the tighter default `improved` (Balle et al. 2020; Canonne, Kamath, Steinke
 * 2020: eps = rdp + log((alpha - 1) / alpha) - (log delta + log alpha) / (alpha - 1)), as Opacus uses.
 */
import erfc from '@stdlib/math-base-special-erfc';
import { GeoFedError } from '../errors.ts';

/** The usual grid: 1.1 .. 10.9 in steps of 0.1, the integers 12 .. 63, and a few large orders for tiny epsilons. */
export const DEFAULT_ORDERS: readonly number[] = [
  ...Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10),
  ...Array.from({ length: 52 }, (_, x) => 12 + x),
  128,
  256,
  512,
];

export type Conversion = 'classic' | 'improved';

/** One noisy release per round: sampling rate q (the chance that a given sample takes part), noise multiplier sigma. */
export interface SampledGaussian {
  readonly q: number;
  readonly noiseMultiplier: number;
}

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const hi = Math.max(a, b);
  return hi + Math.log1p(Math.exp(Math.min(a, b) - hi));
}

function logSub(a: number, b: number): number {
  if (b === -Infinity) return a;
  if (b >= a) return -Infinity; // only reached through rounding at the tail of the series
  return a + Math.log1p(-Math.exp(b - a));
}

/** log A_alpha for integer alpha: the binomial expansion of E[(mu1/mu0)^alpha] (Mironov et al. 2019, 3.3). */
function logAInteger(q: number, sigma: number, alpha: number): number {
  let logA = -Infinity;
  let logBinom = 0;
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) logBinom += Math.log((alpha - i + 1) / i);
    const term = logBinom + i * Math.log(q) + (alpha - i) * Math.log1p(-q) + (i * i - i) / (2 * sigma * sigma);
    logA = logAdd(logA, term);
  }
  return logA;
}

/** log A_alpha for fractional alpha: the two-sided series of Mironov et al. 2019, 3.3, summed until negligible. */
function logAFractional(q: number, sigma: number, alpha: number): number {
  let logA0 = -Infinity;
  let logA1 = -Infinity;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  let coef = 1; // binom(alpha, i), by the recurrence; changes sign once i > alpha
  for (let i = 0; ; i++) {
    if (i > 0) coef *= (alpha - i + 1) / i;
    const logCoef = Math.log(Math.abs(coef));
    const j = alpha - i;
    const logT0 = logCoef + i * Math.log(q) + j * Math.log1p(-q);
    const logT1 = logCoef + j * Math.log(q) + i * Math.log1p(-q);
    const logE0 = Math.log(0.5) + Math.log(erfc((i - z0) / (Math.SQRT2 * sigma)));
    const logE1 = Math.log(0.5) + Math.log(erfc((z0 - j) / (Math.SQRT2 * sigma)));
    const logS0 = logT0 + (i * i - i) / (2 * sigma * sigma) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
    if (coef > 0) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSub(logA0, logS0);
      logA1 = logSub(logA1, logS1);
    }
    if (Math.max(logS0, logS1) < -30 || i > 10_000) break;
  }
  return logAdd(logA0, logA1);
}

/** RDP at order alpha of one application of the sampled Gaussian mechanism. */
export function sampledGaussianRdp({ q, noiseMultiplier: sigma }: SampledGaussian, alpha: number): number {
  if (!(q >= 0 && q <= 1)) throw new GeoFedError(`sampling rate must be in [0, 1], got ${q}`);
  if (!(sigma > 0)) throw new GeoFedError(`noise multiplier must be positive, got ${sigma}`);
  if (!(alpha > 1)) throw new GeoFedError(`RDP order must be above 1, got ${alpha}`);
  if (q === 0) return 0;
  if (q === 1) return alpha / (2 * sigma * sigma);
  const logA = Number.isInteger(alpha) ? logAInteger(q, sigma, alpha) : logAFractional(q, sigma, alpha);
  return logA / (alpha - 1);
}

/** (epsilon at delta, and the order that gave it) for a total RDP curve over `orders`. */
export function rdpToEpsilon(rdp: readonly number[], orders: readonly number[], delta: number, conversion: Conversion = 'improved'): { epsilon: number; order: number } {
  if (!(delta > 0 && delta < 1)) throw new GeoFedError(`delta must be in (0, 1), got ${delta}`);
  let best = { epsilon: Infinity, order: Number.NaN };
  orders.forEach((alpha, k) => {
    const r = rdp[k]!;
    const epsilon =
      conversion === 'classic'
        ? r + Math.log(1 / delta) / (alpha - 1)
        : r + Math.log((alpha - 1) / alpha) - (Math.log(delta) + Math.log(alpha)) / (alpha - 1);
    if (epsilon < best.epsilon) best = { epsilon: Math.max(0, epsilon), order: alpha };
  });
  return best;
}

/** Composes the noisy releases of a run, round by round, and reports epsilon at a fixed delta. */
export class RdpAccountant {
  private readonly total: number[];

  constructor(
    readonly delta: number,
    private readonly orders: readonly number[] = DEFAULT_ORDERS,
    private readonly conversion: Conversion = 'improved',
  ) {
    this.total = orders.map(() => 0);
  }

  /** Adds `steps` applications of each mechanism (one round releases each of them once). */
  compose(mechanisms: readonly SampledGaussian[], steps = 1): void {
    this.orders.forEach((alpha, k) => {
      for (const m of mechanisms) this.total[k]! += steps * sampledGaussianRdp(m, alpha);
    });
  }

  /** Epsilon if `mechanisms` were composed `steps` more times, without composing them. */
  epsilonAfter(mechanisms: readonly SampledGaussian[], steps = 1): number {
    const rdp = this.orders.map((alpha, k) => this.total[k]! + steps * mechanisms.reduce((s, m) => s + sampledGaussianRdp(m, alpha), 0));
    return rdpToEpsilon(rdp, this.orders, this.delta, this.conversion).epsilon;
  }

  get epsilon(): number {
    return rdpToEpsilon(this.total, this.orders, this.delta, this.conversion).epsilon;
  }
}

/**
 * The smallest noise multiplier (to 1e-3 relative) that keeps `rounds` rounds of the given sampling rate within
 * targetEpsilon, for `mechanismsPerRound` releases per round that all use it. Bisection: epsilon falls as sigma grows.
 */
export function noiseMultiplierFor(target: { epsilon: number; delta: number }, q: number, rounds: number, mechanismsPerRound = 1): number {
  if (!(target.epsilon > 0)) throw new GeoFedError(`target epsilon must be positive, got ${target.epsilon}`);
  const epsilonAt = (sigma: number) =>
    new RdpAccountant(target.delta).epsilonAfter(Array.from({ length: mechanismsPerRound }, () => ({ q, noiseMultiplier: sigma })), rounds);
  let lo = 0.01;
  let hi = 1;
  while (epsilonAt(hi) > target.epsilon) {
    hi *= 2;
    if (hi > 1e6) throw new GeoFedError(`no noise multiplier reaches epsilon ${target.epsilon} in ${rounds} rounds`);
  }
  while ((hi - lo) / hi > 1e-3) {
    const mid = (lo + hi) / 2;
    if (epsilonAt(mid) > target.epsilon) lo = mid;
    else hi = mid;
  }
  return hi;
}
