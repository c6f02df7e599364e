import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@geofed/shared/math/rng';
import type { PoolSlot, SynthesisPlan } from './planSynthesis.ts';

/**
 * Fresh draws of pool rows `indices`, in that order: row i of class c is
 *   x = centre + sum_m eps_m sqrt(lambda_m) xi_m (+ r),  eps_m ~ N(0, 1),
 * with r the isotropic remainder (variance residualVariance in every direction orthogonal to the xi_m, i.e. a
 * standard normal with the kept directions projected out), so a class's draws have covariance = the kept part
 * of Sigma_c plus the mean dropped eigenvalue elsewhere, never inflated along the xi_m.
 *
 * sqrt(lambda), not lambda: the GGEUR paper writes eps_m lambda_m xi_m, but the authors' code samples N(x, Sigma),
 * and only sqrt(lambda) gives the draws covariance sum_m lambda_m xi_m xi_m^T.
 *
 * Rows are grouped by class and each group is three matrix products on the TF backend: in plain JavaScript the
 * 3 p d multiply-adds per row cost more than the training step the rows feed.
 */
export function drawPoolRows(plan: SynthesisPlan, indices: Int32Array, rng: Rng): { z: Float32Array; labels: Int32Array } {
  const d = plan.dim;
  const z = new Float32Array(indices.length * d);
  const labels = new Int32Array(indices.length);
  const groups = new Map<number, { positions: number[]; centres: Float32Array[] }>();
  indices.forEach((index, position) => {
    const { slot, centre } = plan.locate(index);
    const group = groups.get(slot) ?? { positions: [], centres: [] };
    group.positions.push(position);
    group.centres.push(centre);
    groups.set(slot, group);
  });
  for (const [slotIndex, { positions, centres }] of [...groups].sort((a, b) => a[0] - b[0])) {
    const slot = plan.slots[slotIndex]!;
    const drawn = drawAround(slot, centres, d, plan.includeResidual, rng);
    positions.forEach((position, r) => {
      z.set(drawn.subarray(r * d, (r + 1) * d), position * d);
      labels[position] = slot.label;
    });
  }
  return { z, labels };
}

/** m draws of one class, one around each of `centres`, as m x d row-major. */
function drawAround(slot: PoolSlot, centres: readonly Float32Array[], d: number, includeResidual: boolean, rng: Rng): Float32Array {
  const m = centres.length;
  const { eigenvalues, eigenvectors, residualVariance } = slot.shape;
  const p = eigenvalues.length;
  const residualStd = includeResidual ? Math.sqrt(Math.max(residualVariance, 0)) : 0;
  const base = new Float32Array(m * d);
  centres.forEach((centre, r) => base.set(centre, r * d));
  const eps = rng.fillNormal(new Float32Array(m * p));
  const noise = residualStd > 0 ? rng.fillNormal(new Float32Array(m * d)) : undefined;
  if (p === 0 && !noise) return base;
  const out = tf.tidy(() => {
    let x = tf.tensor2d(base, [m, d]);
    const xi = p > 0 ? tf.tensor2d(eigenvectors, [p, d]) : undefined;
    if (xi) {
      const scales = tf.tensor1d(Float32Array.from(eigenvalues, (l) => Math.sqrt(Math.max(l, 0))));
      x = x.add(tf.matMul(tf.tensor2d(eps, [m, p]).mul(scales), xi));
    }
    if (noise) {
      const g = tf.tensor2d(noise, [m, d]);
      const remainder = xi ? g.sub(tf.matMul(tf.matMul(g, xi, false, true), xi)) : g;
      x = x.add(remainder.mul(residualStd));
    }
    return x;
  });
  const values = out.dataSync() as Float32Array;
  out.dispose();
  return values;
}
