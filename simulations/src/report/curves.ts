import type { TopLevelSpec } from '../plot/render.ts';
import { renderChart } from '../plot/render.ts';

export interface CurveSeries {
  /** Legend label, e.g. the method name. */
  label: string;
  rounds: ReadonlyArray<{ round: number; testAccuracy: number; testLoss: number; trainLoss: number }>;
}

/** Accuracy and loss per round, one line per series: the picture people look at first. */
export function curveSpec(title: string, series: readonly CurveSeries[]): TopLevelSpec {
  const values = series.flatMap((s) =>
    s.rounds.flatMap((r) => [
      { series: s.label, round: r.round, metric: 'test accuracy', value: r.testAccuracy },
      { series: s.label, round: r.round, metric: 'test loss', value: r.testLoss },
      ...(Number.isFinite(r.trainLoss) ? [{ series: s.label, round: r.round, metric: 'train loss', value: r.trainLoss }] : []),
    ]),
  );
  const panel = (metric: string, filter: string, yTitle: string) => ({
    width: 360,
    height: 240,
    title: metric,
    transform: [{ filter }],
    mark: { type: 'line' as const, point: true },
    encoding: {
      x: { field: 'round', type: 'quantitative' as const, title: 'round', axis: { tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative' as const, title: yTitle, scale: { zero: false } },
      color: { field: 'series', type: 'nominal' as const, title: null },
      strokeDash: { field: 'metric', type: 'nominal' as const, title: null, legend: { symbolType: 'stroke', symbolStrokeWidth: 2 } },
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values },
    hconcat: [
      panel('accuracy', "datum.metric === 'test accuracy'", 'test accuracy'),
      panel('loss', "datum.metric !== 'test accuracy'", 'cross-entropy'),
    ],
  } as TopLevelSpec;
}

export async function writeCurves(file: string, title: string, series: readonly CurveSeries[]): Promise<void> {
  await renderChart(curveSpec(title, series), file);
}
