#!/usr/bin/env node
// Compiles every workspace's TypeScript sources to JavaScript in <package>/dist/ (the same layout as src/, one file
// per source file), so that installed GeoFed runs without a TypeScript compiler and starts fast, then bundles the
// browser client. Runs at `npm ci` / `npm install` (the root's prepare script). Usage: node scripts/build.mjs
//
// esbuild only strips types here: every import stays an import, re-pointed at the compiled file: './x.ts' becomes
// './x.js' and '@geofed/shared/x' becomes '@geofed/shared/dist/x.js' (each package exports ./dist/*).
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const PACKAGES = ['shared', 'client', 'coordinator', 'simulations'];
/** simulations/bin/geofed.js runs the sources instead when one is newer than this stamp (an edited checkout). */
const STAMP = '.built';

const toCompiled = {
  name: 'geofed-compiled-specifiers',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      if (args.path.startsWith('.')) return { path: args.path.replace(/\.ts$/, '.js'), external: true };
      const workspace = /^@geofed\/([^/]+)\/(.+)$/.exec(args.path);
      if (workspace) return { path: `@geofed/${workspace[1]}/dist/${workspace[2]}.js`, external: true };
      return { path: args.path, external: true };
    });
  },
};

const started = performance.now();
let files = 0;
for (const pkg of PACKAGES) {
  const src = join(root, pkg, 'src');
  const entryPoints = readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(src, f));
  files += entryPoints.length;
  await build({
    entryPoints,
    outdir: join(root, pkg, 'dist'),
    outbase: src,
    bundle: true,
    plugins: [toCompiled],
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  writeFileSync(join(root, pkg, 'dist', STAMP), `${new Date().toISOString()}\n`);
}
console.log(`compiled ${files} TypeScript files to <package>/dist/ in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const browser = spawnSync(process.execPath, [join(root, 'scripts/build-browser.mjs')], { stdio: 'inherit' });
process.exit(browser.status ?? 1);
