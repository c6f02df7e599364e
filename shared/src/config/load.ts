import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { GeoFedError } from '../errors.ts';
import { describeIssues } from './describeIssues.ts';

export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new GeoFedError(`invalid ${what}: ${describeIssues(result.error, { input: value, schema })}`, { code: 'INVALID_CONFIG' });
  }
  return result.data;
}

export function readYamlFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new GeoFedError(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      remedy: 'check the path',
    });
  }
  try {
    return parseYaml(text) ?? {};
  } catch (e) {
    const message = e instanceof YAMLParseError ? e.message.split('\n')[0] : (e as Error).message;
    throw new GeoFedError(`${what} ${file} is not valid YAML: ${message}`);
  }
}

/**
 * Applies `--set a.b.c=value` overrides. Values are read as YAML scalars/flow collections, so `--set rounds=5`
 * sets a number and `--set model.hidden=[64,64]` a list.
 */
export function applyOverrides(config: unknown, overrides: readonly string[]): Record<string, unknown> {
  const root = (typeof config === 'object' && config !== null ? structuredClone(config) : {}) as Record<string, unknown>;
  for (const override of overrides) {
    const eq = override.indexOf('=');
    if (eq <= 0) throw new GeoFedError(`--set ${override}: expected key=value, e.g. --set local.lr=0.01`);
    const path = override.slice(0, eq).split('.');
    let value: unknown;
    try {
      value = parseYaml(override.slice(eq + 1));
    } catch {
      value = override.slice(eq + 1);
    }
    let node = root;
    for (const [depth, key] of path.slice(0, -1).entries()) {
      if (node[key] === undefined || node[key] === null) node[key] = {};
      if (typeof node[key] !== 'object') {
        const at = path.slice(0, depth + 1).join('.');
        throw new GeoFedError(`--set ${override}: ${at} is ${JSON.stringify(node[key])}, not a section`, {
          remedy: `write ${at} in its long form in the config (e.g. model: { type: mlp }) or set ${at} itself`,
        });
      }
      node = node[key] as Record<string, unknown>;
    }
    node[path.at(-1)!] = value;
  }
  return root;
}
