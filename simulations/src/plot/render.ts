import { writeFile, mkdir } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { compile, type TopLevelSpec } from 'vega-lite';
import { parse, View } from 'vega';
import { Resvg, type RenderedImage } from '@resvg/resvg-js';
import { GeoFedError } from '@geofed/shared/errors';

export type { TopLevelSpec };

/** PNGs are drawn at twice the SVG's size so that small cell labels stay legible. */
const PNG_ZOOM = 2;

/**
 * Vega measures text with Helvetica-like metrics when no canvas is present; Liberation Sans shares those metrics,
 * so labels fit where vega put them. resvg falls back to another system font if it is missing.
 */
const SANS_FAMILY = 'Liberation Sans';

/** Renders a vega-lite chart to SVG in this process, no browser needed. */
export async function chartToSvg(spec: TopLevelSpec): Promise<string> {
  const vegaSpec = compile(spec).spec;
  const view = new View(parse(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Draws the SVG on white with the system fonts; `.pixels` holds RGBA bytes, `.asPng()` encodes it. */
export function rasterize(svg: string): RenderedImage {
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: PNG_ZOOM },
    font: { loadSystemFonts: true, defaultFontFamily: SANS_FAMILY, sansSerifFamily: SANS_FAMILY },
    logLevel: 'off',
  });
  return resvg.render();
}

export function svgToPng(svg: string): Buffer {
  return rasterize(svg).asPng();
}

/** Writes the chart as `.svg` or `.png`, chosen by the file's extension. */
export async function renderChart(spec: TopLevelSpec, file: string): Promise<void> {
  const ext = extname(file).toLowerCase();
  if (ext !== '.svg' && ext !== '.png') {
    throw new GeoFedError(`cannot write a chart to ${file}: unknown image type "${ext || '(none)'}"`, {
      remedy: 'name the file with .png or .svg',
    });
  }
  const svg = await chartToSvg(spec);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, ext === '.svg' ? svg : svgToPng(svg));
}
