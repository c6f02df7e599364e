import type { TopLevelSpec } from '../plot/render.ts';
import { renderChart } from '../plot/render.ts';

export interface CurvePoint {
  round: number;
  testAccuracy: number;
  testLoss: number;
  trainLoss: number;
  /** Spread over seeds (sweeps): drawn as a band of ±1 std around the line. */
  testAccuracyStd?: number;
  testLossStd?: number;
  trainLossStd?: number;
}

export interface CurveSeries {
  /** Legend label, e.g. the method name. */
  label: string;
  rounds: ReadonlyArray<CurvePoint>;
}

type Metric = 'testAccuracy' | 'testLoss' | 'trainLoss';

/**
 * One panel per metric. Train loss has its own panel: it is each method's training objective, which for GeoFed and
 * the other prototype/synthesis methods adds terms to the cross-entropy, so it does not compare with test loss.
 */
const PANELS: ReadonlyArray<{ metric: Metric; title: string; yTitle: string }> = [
  { metric: 'testAccuracy', title: 'test accuracy', yTitle: 'accuracy' },
  { metric: 'testLoss', title: 'test loss', yTitle: 'cross-entropy' },
  { metric: 'trainLoss', title: 'train loss', yTitle: 'objective: CE + method terms' },
];

/** Accuracy and loss per round, one line per series (±1 std band when given): the picture people look at first. */
export function curveSpec(title: string, series: readonly CurveSeries[]): TopLevelSpec {
  const values = series.flatMap((s) =>
    s.rounds.flatMap((r) =>
      PANELS.filter(({ metric }) => Number.isFinite(r[metric])).map(({ metric }) => {
        const std = r[`${metric}Std`];
        const spread = std !== undefined && Number.isFinite(std) ? { lo: r[metric] - std, hi: r[metric] + std } : {};
        return { series: s.label, round: r.round, metric, value: r[metric], ...spread };
      }),
    ),
  );
  const color = {
    field: 'series',
    type: 'nominal' as const,
    title: null,
    // Line samples in the legend, so that the lines can be told apart by more than a dot's colour.
    // Opaque, so that the bands' pale fill does not wash the samples out.
    legend: { symbolType: 'stroke', symbolStrokeWidth: 3, symbolSize: 300, symbolOpacity: 1 },
  };
  const x = { field: 'round', type: 'quantitative' as const, title: 'round', axis: { tickMinStep: 1 } };
  const panels = PANELS.filter(({ metric }) => values.some((v) => v.metric === metric)).map(({ metric, title: panelTitle, yTitle }) => ({
    width: 300,
    height: 220,
    title: panelTitle,
    transform: [{ filter: `datum.metric === '${metric}'` }],
    layer: [
      {
        transform: [{ filter: 'isValid(datum.lo)' }],
        mark: { type: 'area' as const, opacity: 0.2 },
        encoding: { x, y: { field: 'lo', type: 'quantitative' as const, title: yTitle, scale: { zero: false } }, y2: { field: 'hi' }, color },
      },
      {
        mark: { type: 'line' as const, point: true },
        encoding: { x, y: { field: 'value', type: 'quantitative' as const, title: yTitle, scale: { zero: false } }, color },
      },
    ],
  }));
  const banded = values.some((v) => 'lo' in v);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: banded ? { text: title, subtitle: 'line: mean over seeds; band: ±1 std' } : title,
    data: { values },
    hconcat: panels,
  } as TopLevelSpec;
}

export async function writeCurves(file: string, title: string, series: readonly CurveSeries[]): Promise<void> {
  await renderChart(curveSpec(title, series), file);
}
