#!/usr/bin/env node
// Node 20's test runner takes no globs, so we find the test files ourselves and hand them over.
// Usage: node scripts/run-tests.mjs [folder-or-test-file ...]   (default: every workspace)
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const roots = process.argv.slice(2);
const searchRoots = roots.length > 0 ? roots : ['shared', 'client', 'coordinator', 'simulations'];

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const files = searchRoots
  .flatMap((r) => (r.endsWith('.test.ts') ? [r] : collect(join(root, r), [])))
  .sort();
if (files.length === 0) {
  console.error(`no test files under ${searchRoots.join(', ')}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', ...files],
  // The tests are about the sources: every geofed process they start runs them too, never an older dist/ build.
  { cwd: root, stdio: 'inherit', env: { ...process.env, GEOFED_FROM_SOURCE: '1' } },
);
process.exit(result.status ?? 1);
