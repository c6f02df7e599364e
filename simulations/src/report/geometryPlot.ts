import type { GeometrySnapshot } from '@geofed/shared/geometry/snapshot';
import { symmetricEigen } from '@geofed/shared/math/eigen';
import type { TopLevelSpec } from '../plot/render.ts';
import { renderChart } from '../plot/render.ts';

const ELLIPSE_POINTS = 48;

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
function projectedCovariance(c: GeometrySnapshot['classes'][number], u: Float64Array, v: Float64Array): [number, number, number] {
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
 * A picture of the shared geometry: class prototypes projected on the plane that separates them best, each with
 * the 2-standard-deviation ellipse of its pooled covariance seen in that plane.
 */
export function geometrySpec(snapshot: GeometrySnapshot, classNames: readonly string[], title: string): TopLevelSpec {
  const [u, v] = prototypePlane(snapshot);
  const points: Array<Record<string, unknown>> = [];
  const outlines: Array<Record<string, unknown>> = [];
  for (const c of snapshot.classes) {
    const name = classNames[c.label] ?? String(c.label);
    let x = 0;
    let y = 0;
    for (let i = 0; i < u.length; i++) {
      x += c.prototype[i]! * u[i]!;
      y += c.prototype[i]! * v[i]!;
    }
    points.push({ class: name, x, y, count: c.count });
    const [a, b, dd] = projectedCovariance(c, u, v);
    // Square root of the 2 x 2 covariance via its eigen-decomposition, then a circle of radius 2 mapped through it.
    const { values, vectors } = symmetricEigen(Float64Array.of(a, b, b, dd), 2);
    for (let t = 0; t <= ELLIPSE_POINTS; t++) {
      const angle = (2 * Math.PI * t) / ELLIPSE_POINTS;
      const s0 = 2 * Math.sqrt(values[0]!) * Math.cos(angle);
      const s1 = 2 * Math.sqrt(values[1]!) * Math.sin(angle);
      outlines.push({ class: name, order: t, x: x + s0 * vectors[0]! + s1 * vectors[2]!, y: y + s0 * vectors[1]! + s1 * vectors[3]! });
    }
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, subtitle: `round ${snapshot.round}; prototypes with 2-sigma covariance ellipses, projected on the prototypes' top-2 principal plane` },
    width: 520,
    height: 420,
    layer: [
      {
        data: { values: outlines },
        mark: { type: 'line', strokeWidth: 1.5, opacity: 0.7 },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: 'principal direction 1' },
          y: { field: 'y', type: 'quantitative', title: 'principal direction 2' },
          order: { field: 'order' },
          color: { field: 'class', type: 'nominal', title: 'class' },
          detail: { field: 'class' },
        },
      },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 80 },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, color: { field: 'class', type: 'nominal' } },
      },
      {
        data: { values: points },
        mark: { type: 'text', dy: -10, fontSize: 11 },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, text: { field: 'class' } },
      },
    ],
  } as TopLevelSpec;
}

export async function writeGeometryPlot(file: string, snapshot: GeometrySnapshot, classNames: readonly string[], title: string): Promise<void> {
  await renderChart(geometrySpec(snapshot, classNames, title), file);
}
