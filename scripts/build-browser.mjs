#!/usr/bin/env node
// Bundles the browser edge client (client/src/edge/browser.ts) and its demo page into coordinator/dist/browser/,
// which the coordinator serves at /client/ when browserDemo is on. Usage: node scripts/build-browser.mjs
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'coordinator/dist/browser');
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: [join(root, 'client/src/edge/browser.ts')],
  bundle: true,
  platform: 'browser',
  format: 'iife',
  globalName: 'GeoFedClient',
  target: 'es2022',
  minify: true,
  outfile: join(out, 'geofed-client.js'),
  metafile: true,
  logLevel: 'warning',
});
copyFileSync(join(root, 'client/src/edge/browser/index.html'), join(out, 'index.html'));
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`browser client: ${join(out, 'geofed-client.js')} (${(bytes / 1024 / 1024).toFixed(1)} MiB) and index.html`);
