import type { GeometrySnapshot } from '@geofed/shared/geometry/snapshot';
import { planeView } from '@geofed/shared/geometry/planeView';
import type { TopLevelSpec } from '../plot/render.ts';
import { renderChart } from '../plot/render.ts';

const ELLIPSE_POINTS = 48;

/**
 * A picture of the shared geometry: class prototypes projected on the plane that separates them best, each with
 * the 2-standard-deviation ellipse of its pooled covariance seen in that plane.
 */
export function geometrySpec(snapshot: GeometrySnapshot, classNames: readonly string[], title: string): TopLevelSpec {
  const points: Array<Record<string, unknown>> = [];
  const outlines: Array<Record<string, unknown>> = [];
  for (const c of planeView(snapshot)) {
    const name = classNames[c.label] ?? String(c.label);
    points.push({ class: name, x: c.x, y: c.y, count: c.count });
    const [cos, sin] = [Math.cos(c.angle), Math.sin(c.angle)];
    for (let t = 0; t <= ELLIPSE_POINTS; t++) {
      const turn = (2 * Math.PI * t) / ELLIPSE_POINTS;
      const [s0, s1] = [c.rx * Math.cos(turn), c.ry * Math.sin(turn)];
      outlines.push({ class: name, order: t, x: c.x + s0 * cos - s1 * sin, y: c.y + s0 * sin + s1 * cos });
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
