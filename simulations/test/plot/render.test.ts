import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GeoFedError } from '@geofed/shared/errors';
import { countHeatmapSpec } from '../../src/plot/heatmap.ts';
import { rasterize, renderChart, type TopLevelSpec } from '../../src/plot/render.ts';

const dir = mkdtempSync(join(tmpdir(), 'geofed-plot-'));

const bars: TopLevelSpec = {
  data: { values: [{ k: 'a', v: 1 }, { k: 'b', v: 3 }] },
  mark: 'bar',
  encoding: { x: { field: 'k', type: 'nominal' }, y: { field: 'v', type: 'quantitative' } },
};

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

test('renderChart writes an .svg as SVG text', async () => {
  const file = join(dir, 'bars.svg');
  await renderChart(bars, file);
  assert.match(readFileSync(file, 'utf8'), /^<svg [^>]*width="\d+"/);
});

test('renderChart writes a .png with the PNG signature into a folder it creates', async () => {
  const file = join(dir, 'nested', 'bars.png');
  await renderChart(bars, file);
  const png = readFileSync(file);
  assert.deepEqual([...png.subarray(0, 8)], PNG_SIGNATURE);
  assert.ok(png.length > 2000, `only ${png.length} bytes`);
});

test('renderChart refuses other extensions with a GeoFedError', async () => {
  await assert.rejects(renderChart(bars, join(dir, 'bars.jpg')), (e: unknown) => e instanceof GeoFedError && /\.jpg/.test(e.message) && /\.png or \.svg/.test(e.remedy ?? ''));
});

test('text is drawn: a text-only SVG rasterizes to dark glyph pixels', () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="5" y="28" font-family="sans-serif" font-size="20">Fashion 0123</text></svg>';
  const { pixels } = rasterize(svg);
  let dark = 0;
  for (let i = 0; i < pixels.length; i += 4) if (pixels[i]! < 128) dark++;
  // Some hundreds of pixels for 12 glyphs at 20 px (x2 zoom); zero would mean no font was found.
  assert.ok(dark > 500, `${dark} dark pixels`);
});

test('the count heat-map prints every count and the scheme, alpha and seed in its title', async () => {
  const file = join(dir, 'heat.svg');
  const counts = [[5407, 0, 12], [3, 777, 0]];
  await renderChart(countHeatmapSpec({ counts, classNames: ['x', 'y', 'z'], scheme: 'dirichlet', seed: 4, params: { alpha: 0.1 } }), file);
  const svg = readFileSync(file, 'utf8');
  for (const v of ['5407', '777', '12', '3']) assert.ok(svg.includes(`>${v}<`), `count ${v} missing`);
  assert.match(svg, /dirichlet, alpha=0\.1, seed=4/);
  assert.match(svg, /client 1 \(n=780\)/);
});
