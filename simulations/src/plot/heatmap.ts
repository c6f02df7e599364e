import type { UnitSpec } from 'vega-lite/types_unstable/spec/unit.js';
import type { Field } from 'vega-lite/types_unstable/channeldef.js';
import type { TopLevelSpec } from './render.ts';

export interface CountHeatmapInput {
  /** counts[client][class]. */
  readonly counts: readonly (readonly number[])[];
  readonly classNames: readonly string[];
  readonly scheme: string;
  readonly seed: number;
  /** Scheme parameters for the title, e.g. `{ alpha: 0.1 }`; undefined entries are left out. */
  readonly params?: Readonly<Record<string, string | number | undefined>>;
  readonly dataset?: string;
}

/** Cells shrink for many clients so the chart stays a sensible height. */
function cellSize(clients: number): { width: number; height: number; fontSize: number; clientFontSize: number } {
  if (clients <= 30) return { width: 56, height: 24, fontSize: 11, clientFontSize: 11 };
  if (clients <= 100) return { width: 48, height: 14, fontSize: 8, clientFontSize: 9 };
  // Too many rows for digits; vega drops client labels that would overlap.
  return { width: 40, height: 6, fontSize: 0, clientFontSize: 6 };
}

/**
 * Heading plus a subtitle with the scheme and its parameters. Kept as two short lines because vega, without a
 * canvas, estimates text width generously and would widen the chart to fit one long line.
 */
function describeTitle(input: CountHeatmapInput): { text: string; subtitle: string } {
  const params = Object.entries(input.params ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  return {
    text: `${input.dataset ? `${input.dataset}: ` : ''}client x class counts`,
    subtitle: [input.scheme, ...params, `seed=${input.seed}`].join(', '),
  };
}

/** The client x class count matrix as a shaded grid with the count printed in every cell. */
export function countHeatmapSpec(input: CountHeatmapInput): TopLevelSpec {
  const { counts, classNames } = input;
  const clientLabel = (k: number): string => `client ${k} (n=${counts[k]!.reduce((a, b) => a + b, 0)})`;
  const values = counts.flatMap((row, k) =>
    row.map((count, c) => ({ client: clientLabel(k), cls: `${c} ${classNames[c] ?? ''}`.trim(), count })),
  );
  const max = Math.max(1, ...values.map((v) => v.count));
  const size = cellSize(counts.length);
  const encodeCell = {
    x: { field: 'cls', type: 'ordinal', title: null, sort: null, axis: { labelAngle: -40, orient: 'top', labelFontSize: 11 } },
    y: {
      field: 'client',
      type: 'ordinal',
      title: null,
      sort: null,
      axis: { labelFontSize: size.clientFontSize, labelOverlap: true },
    },
  } as const;
  const rectLayer: UnitSpec<Field> = {
    mark: { type: 'rect', stroke: '#d9d9d9', strokeWidth: 0.5 },
    encoding: {
      ...encodeCell,
      color: {
        field: 'count',
        type: 'quantitative',
        title: 'samples',
        // sqrt keeps small but non-zero counts visible next to the large ones; zero stays white.
        scale: { type: 'sqrt', domain: [0, max], range: ['#ffffff', '#08306b'], interpolate: 'rgb' },
      },
    },
  };
  const textLayer: UnitSpec<Field> = {
    mark: { type: 'text', fontSize: size.fontSize, baseline: 'middle' },
    encoding: {
      ...encodeCell,
      text: { field: 'count', type: 'quantitative' },
      // Dark cells get white digits; empty cells a faint zero.
      color: {
        condition: [
          { test: `datum.count > ${0.3 * max}`, value: 'white' },
          { test: 'datum.count === 0', value: '#b0b0b0' },
        ],
        value: '#1a1a1a',
      },
    },
  };
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { ...describeTitle(input), anchor: 'start', fontSize: 14, subtitleFontSize: 12 },
    data: { values },
    width: { step: size.width },
    height: { step: size.height },
    config: { view: { stroke: null }, axis: { domain: false, ticks: false } },
    layer: size.fontSize > 0 ? [rectLayer, textLayer] : [rectLayer],
  };
  return spec;
}
