import { symmetricEigen } from '../math/eigen.ts';
import type { ClassGeometry, GeometrySnapshot } from './snapshot.ts';

/** One class seen in the prototypes' principal plane: where its prototype lies and its 2-sigma ellipse. */
export interface PlaneClass {
  readonly label: number;
  readonly count: number;
  readonly x: number;
  readonly y: number;
  /** Semi-axes of the 2-standard-deviation ellipse of the class covariance seen in the plane (rx >= ry). */
  readonly rx: number;
  readonly ry: number;
  /** Angle of the rx axis from the plane's first direction, in radians. */
  readonly angle: number;
}

/** The plane of the two leading principal directions of the class prototypes (d x 2, as two unit vectors). */
function prototypePlane(snapshot: GeometrySnapshot): [Float64Array, Float64Array] {
  const d = snapshot.dim;
  const k = snapshot.classes.length;
  const centre = new Float64Array(d);
  for (const c of snapshot.classes) for (let i = 0; i < d; i++) centre[i]! += c.prototype[i]! / k;
  const scatter = new Float64Array(d * d);
  for (const c of snapshot.classes) {
    for (let i = 0; i < d; i++) {
      const di = c.prototype[i]! - centre[i]!;
      for (let j = 0; j < d; j++) scatter[i * d + j]! += di * (c.prototype[j]! - centre[j]!);
    }
  }
  const { vectors } = symmetricEigen(scatter, d);
  return [vectors.slice(0, d), vectors.slice(d, 2 * d)];
}

/** The class covariance (top eigenpairs plus isotropic residual) seen in the plane: a 2 x 2 matrix. */
function projectedCovariance(c: ClassGeometry, u: Float64Array, v: Float64Array): [number, number, number] {
  const d = u.length;
  let uu = c.residualVariance;
  let vv = c.residualVariance;
  let uv = 0;
  for (let m = 0; m < c.eigenvalues.length; m++) {
    let pu = 0;
    let pv = 0;
    for (let i = 0; i < d; i++) {
      pu += c.eigenvectors[m * d + i]! * u[i]!;
      pv += c.eigenvectors[m * d + i]! * v[i]!;
    }
    // The residual was counted in every direction; along kept eigenvectors the kept eigenvalue replaces it.
    const lambda = c.eigenvalues[m]! - c.residualVariance;
    uu += lambda * pu * pu;
    vv += lambda * pv * pv;
    uv += lambda * pu * pv;
  }
  return [uu, uv, vv];
}

/**
 * The shared geometry flattened for a picture: class prototypes projected on the plane that separates them best,
 * each with the 2-standard-deviation ellipse of its pooled covariance seen in that plane. Used by the PNG plot
 * and the live dashboard alike.
 */
export function planeView(snapshot: GeometrySnapshot): PlaneClass[] {
  const [u, v] = prototypePlane(snapshot);
  return snapshot.classes.map((c) => {
    let x = 0;
    let y = 0;
    for (let i = 0; i < u.length; i++) {
      x += c.prototype[i]! * u[i]!;
      y += c.prototype[i]! * v[i]!;
    }
    const [a, b, dd] = projectedCovariance(c, u, v);
    const { values, vectors } = symmetricEigen(Float64Array.of(a, b, b, dd), 2);
    return {
      label: c.label,
      count: c.count,
      x,
      y,
      rx: 2 * Math.sqrt(values[0]!),
      ry: 2 * Math.sqrt(values[1]!),
      angle: Math.atan2(vectors[1]!, vectors[0]!),
    };
  });
}
