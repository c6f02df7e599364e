import type { ClassStats, EmbeddingStats } from '@geofed/shared/geometry/stats';

/**
 * Checks on one client's class statistics beyond their shape (shared validateStats covers dimension, finiteness,
 * symmetry and Cauchy–Schwarz): what real embeddings imply and a poisoned message may not honour. Each returns
 * a reason, or undefined when the statistics pass.
 */

/** Relative slack for float64 rounding in sums of many products. */
const ROUNDING_SLACK = 1e-9;
/**
 * How negative the scatter matrix S - s s^T / n may look and still count as positive semi-definite, relative to
 * the largest diagonal entry of S (not of the scatter, which is ~0 for a class of one sample): float64 sums of
 * float32 products leave errors far below this.
 */
export const PSD_TOLERANCE = 1e-7;

export interface ClientStatsExpectations {
  /** The client's numSamples for the round: its class counts must add up to it. */
  readonly numSamples?: number | undefined;
  /** With privacy clipping on, every embedding has norm <= clipNorm. */
  readonly clipNorm?: number | undefined;
}

export function clientStatsProblem(stats: EmbeddingStats, expect: ClientStatsExpectations): string | undefined {
  if (expect.numSamples !== undefined) {
    const total = stats.classes.reduce((sum, c) => sum + c.count, 0);
    if (total !== expect.numSamples) {
      return `class counts add up to ${total}, but the client trained on numSamples = ${expect.numSamples} (statistics must cover exactly the samples it trained on)`;
    }
  }
  for (const c of stats.classes) {
    const problem = scatterProblem(c, stats.dim) ?? (expect.clipNorm === undefined ? undefined : clipProblem(c, stats.dim, expect.clipNorm));
    if (problem !== undefined) return `class ${c.label}: ${problem}`;
  }
  return undefined;
}

/**
 * The scatter matrix M = S - s s^T / n (n times the covariance) of real embeddings is positive semi-definite.
 * A Cholesky factorisation of M + tolerance * I succeeds exactly when M has no eigenvalue below -tolerance.
 */
function scatterProblem(c: ClassStats, d: number): string | undefined {
  const m = new Float64Array(d * d);
  let maxDiag = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) m[i * d + j] = c.outer[i * d + j]! - (c.sum[i]! * c.sum[j]!) / c.count;
    maxDiag = Math.max(maxDiag, c.outer[i * d + i]!);
  }
  const tolerance = PSD_TOLERANCE * maxDiag + Number.MIN_VALUE;
  for (let i = 0; i < d; i++) m[i * d + i]! += tolerance;
  // In-place lower-triangular Cholesky.
  for (let j = 0; j < d; j++) {
    let pivot = m[j * d + j]!;
    for (let k = 0; k < j; k++) pivot -= m[j * d + k]! ** 2;
    if (!(pivot > 0)) {
      return `the covariance (outer / count - mean mean^T) is not positive semi-definite (pivot ${j} of its Cholesky factorisation is ${pivot.toPrecision(3)}), which no real embeddings produce`;
    }
    const root = Math.sqrt(pivot);
    m[j * d + j] = root;
    for (let i = j + 1; i < d; i++) {
      let v = m[i * d + j]!;
      for (let k = 0; k < j; k++) v -= m[i * d + k]! * m[j * d + k]!;
      m[i * d + j] = v / root;
    }
  }
  return undefined;
}

/**
 * With every embedding clipped to clipNorm, trace(S) <= n clipNorm^2; with Cauchy–Schwarz (validateStats) that
 * also bounds |s| <= n clipNorm and every entry of S.
 */
function clipProblem(c: ClassStats, d: number, clipNorm: number): string | undefined {
  let trace = 0;
  for (let i = 0; i < d; i++) trace += c.outer[i * d + i]!;
  if (trace > c.count * clipNorm ** 2 * (1 + ROUNDING_SLACK)) {
    return `mean squared embedding norm ${(trace / c.count).toPrecision(4)} exceeds clipNorm^2 = ${clipNorm ** 2} (clip embeddings before computing statistics)`;
  }
  return undefined;
}
