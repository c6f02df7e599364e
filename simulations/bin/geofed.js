#!/usr/bin/env node
// Runs the compiled JavaScript in <package>/dist/ that scripts/build.mjs writes at `npm ci`. A checkout whose sources
// changed after that build (or GEOFED_FROM_SOURCE=1) runs the TypeScript sources through tsx instead, so an edit is
// never shadowed by stale output; worker threads and child processes follow the choice (shared/src/runtime).
import { readdirSync, statSync } from 'node:fs';

const root = new URL('../../', import.meta.url);
const PACKAGES = ['shared', 'client', 'coordinator', 'simulations'];

function mtime(url) {
  try {
    return statSync(url).mtimeMs;
  } catch {
    return undefined;
  }
}

function newestSource(pkg) {
  const src = new URL(`${pkg}/src/`, root);
  let newest = 0;
  for (const file of readdirSync(src, { recursive: true, encoding: 'utf8' })) newest = Math.max(newest, mtime(new URL(file, src)) ?? 0);
  return newest;
}

function compiledIsCurrent() {
  if (process.env.GEOFED_FROM_SOURCE === '1') return false;
  return PACKAGES.every((pkg) => {
    const built = mtime(new URL(`${pkg}/dist/.built`, root));
    return built !== undefined && newestSource(pkg) <= built;
  });
}

if (compiledIsCurrent()) {
  await import('../dist/cli/main.js');
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write('geofed: error: the compiled JavaScript is missing or older than the sources, and tsx is not installed — run `npm run build`\n');
    process.exit(2);
  }
  register();
  await import('../src/cli/main.ts');
}
