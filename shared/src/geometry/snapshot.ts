/**
 * What the coordinator shares about the global embedding geometry (design.md section 4): per class the
 * prototype mu_c and the top-p eigenpairs of the pooled covariance Sigma_c, plus an optional isotropic
 * remainder. Produced by the coordinator's geometry service, consumed by client-side synthesis.
 */

export interface ClassGeometry {
  readonly label: number;
  /** Pooled sample count N_c (noisy, rounded, when differential privacy is on). */
  readonly count: number;
  /** mu_c, length dim. */
  readonly prototype: Float32Array;
  /** lambda_1 >= ... >= lambda_p >= 0. */
  readonly eigenvalues: Float32Array;
  /** p x dim row-major; row m is the unit eigenvector xi_m of eigenvalues[m]. */
  readonly eigenvectors: Float32Array;
  /** Mean of the eigenvalues that were not kept (0 when the remainder is not shared or p = dim). */
  readonly residualVariance: number;
}

/** Standard deviations of the Gaussian noise added to the pooled sums before this snapshot was computed. */
export interface NoiseRecord {
  readonly countStd: number;
  readonly sumStd: number;
  readonly outerStd: number;
}

export interface GeometrySnapshot {
  readonly round: number;
  readonly dim: number;
  readonly classes: ClassGeometry[];
  /** Labels with statistics that were held back because their pooled count is below the minimum. */
  readonly withheld: number[];
  /** null when no privacy noise was added. */
  readonly noise: NoiseRecord | null;
}

/**
 * Bytes sent down for a snapshot: per class the float32 prototype, eigenvalues and eigenvectors plus four
 * 4-byte scalars (label, count, p, residual); a 16-byte header (round, dim, class count, withheld count), the
 * withheld labels and the three noise scales as float32. Transport framing is not counted.
 */
export function snapshotByteSize(s: GeometrySnapshot): number {
  let bytes = 16 + 4 * s.withheld.length + 12;
  for (const c of s.classes) {
    bytes += 16 + 4 * (c.prototype.length + c.eigenvalues.length + c.eigenvectors.length);
  }
  return bytes;
}

