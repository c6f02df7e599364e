import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runInContext, createContext } from 'node:vm';
import { build } from 'esbuild';

const entry = fileURLToPath(new URL('./browserScenario.ts', import.meta.url));

async function bundle(): Promise<{ code: string; inputs: string[] }> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'scenario',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return { code: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs) };
}

test('the wire modules bundle for the browser without Node built-ins', async () => {
  // esbuild's browser platform fails on any node: or built-in import, so a successful build is the check;
  // the input list guards against a future `external` or polyfill hiding one.
  const { inputs } = await bundle();
  assert.ok(inputs.some((i) => i.endsWith('src/wire/codec.ts')));
  assert.deepEqual(inputs.filter((i) => i.startsWith('node:') || /(^|\/)(pino|buffer|process)\//.test(i)), []);
});

test('the browser bundle runs an exchange where Buffer, process and require do not exist', async () => {
  const { code } = await bundle();
  const context = createContext({ setTimeout, clearTimeout, console });
  runInContext('var self = globalThis;', context);
  runInContext(code, context);
  assert.equal(runInContext('typeof Buffer + typeof process + typeof require', context), 'undefinedundefinedundefined');
  const result = runInContext('scenario.run()', context) as { decodedCase: string; maxError: number; chunks: number; garbageCode: string };
  assert.equal(result.decodedCase, 'roundTask');
  assert.ok(result.chunks > 1);
  assert.ok(result.maxError <= 2 ** -11, `f16 error ${result.maxError}`);
  assert.equal(result.garbageCode, 'MALFORMED');
});
