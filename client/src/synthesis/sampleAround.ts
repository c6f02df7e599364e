import type { ClassGeometry } from '@geofed/shared/geometry/snapshot';
import type { Rng } from '@geofed/shared/math/rng';

export type ClassShape = Pick<ClassGeometry, 'eigenvalues' | 'eigenvectors' | 'residualVariance'>;

/**
 * `count` draws x = center + sum_m eps_m sqrt(lambda_m) xi_m (+ r), eps_m ~ N(0, 1), as count x dim row-major.
 *
 * sqrt(lambda), not lambda: the GGEUR paper writes eps_m lambda_m xi_m, but the authors' code samples
 * N(x, Sigma), and only sqrt(lambda) gives the draws covariance sum_m lambda_m xi_m xi_m^T = Sigma (restricted
 * to the top p directions).
 *
 * The optional remainder r has variance residualVariance in every direction orthogonal to the xi_m (isotropic
 * Gaussian with the kept directions projected out), so the draws' covariance is the kept part of Sigma plus
 * the mean of its dropped eigenvalues on the rest of the space, and not inflated along the xi_m.
 */
export function sampleAround(
  center: Float32Array,
  shape: ClassShape,
  count: number,
  rng: Rng,
  options: { includeResidual?: boolean } = {},
): Float32Array {
  const d = center.length;
  const p = shape.eigenvalues.length;
  if (shape.eigenvectors.length !== p * d) {
    throw new Error(`sampleAround: ${p} eigenvalues need ${p} x ${d} eigenvector values, got ${shape.eigenvectors.length}`);
  }
  const residualStd = (options.includeResidual ?? true) ? Math.sqrt(Math.max(shape.residualVariance, 0)) : 0;
  const scales = Float64Array.from(shape.eigenvalues, (l) => Math.sqrt(Math.max(l, 0)));
  const xi = shape.eigenvectors;
  const out = new Float32Array(count * d);
  const draw = new Float64Array(d);
  const noise = new Float64Array(d);
  for (let s = 0; s < count; s++) {
    draw.fill(0);
    for (let m = 0; m < p; m++) {
      const a = scales[m]! * rng.normal();
      const row = m * d;
      for (let j = 0; j < d; j++) draw[j]! += a * xi[row + j]!;
    }
    if (residualStd > 0) {
      for (let j = 0; j < d; j++) noise[j] = rng.normal();
      for (let m = 0; m < p; m++) {
        const row = m * d;
        let proj = 0;
        for (let j = 0; j < d; j++) proj += noise[j]! * xi[row + j]!;
        for (let j = 0; j < d; j++) noise[j]! -= proj * xi[row + j]!;
      }
      for (let j = 0; j < d; j++) draw[j]! += residualStd * noise[j]!;
    }
    const base = s * d;
    for (let j = 0; j < d; j++) out[base + j] = center[j]! + draw[j]!;
  }
  return out;
}
