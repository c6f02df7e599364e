import type { z } from 'zod';
import { closest, distance } from 'fastest-levenshtein';

/**
 * A zod error as one line in GeoFed's own words, one problem per clause, each naming its key, what is wrong and,
 * where we can tell, what would be right: `rounds: 2.5 is not a whole number`,
 * `method: unknown name 'geofedd' — did you mean 'geofed'?`, `unknown key "lrr" in local — did you mean "lr"?`.
 * The single wording for every validated input (configs, wire messages, specs). With the `input` and the `schema`
 * it can quote the bad value and suggest the nearest valid key; without them it still names key and problem.
 */
export interface IssueContext {
  readonly input?: unknown;
  readonly schema?: z.ZodType;
}

export function describeIssues(error: z.ZodError, context: IssueContext = {}): string {
  return error.issues.map((issue) => describeIssue(issue, context)).join('; ');
}

type Issue = z.core.$ZodIssue;

function describeIssue(issue: Issue, { input, schema }: IssueContext): string {
  const key = issue.path.map(String).join('.') || '(top level)';
  const value = valueAt(input, issue.path);
  const known = input !== undefined || value !== undefined;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const where = issue.path.length ? ` in ${issue.path.map(String).join('.')}` : ' at the top level';
      const valid = schema ? keysAt(schema, issue.path, input) : [];
      return issue.keys.map((k) => `unknown key "${k}"${where}${suggestion(k, valid, '"')}`).join('; ');
    }
    case 'invalid_type': {
      if (known && value === undefined) return `${key}: missing (${article(issue.expected)} is needed)`;
      if (!known) return `${key}: expected ${article(issue.expected)}`;
      if (issue.expected === 'int' && typeof value === 'number') return `${key}: ${value} is not a whole number`;
      // `method: geofedd` where `method: { name: geofed }` is meant: answer about the name.
      const names = schema && typeof value === 'string' ? namingKeyAt(schema, issue.path) : undefined;
      if (names) {
        return names.options.includes(value as string)
          ? `${key}: write { ${names.key}: ${String(value)} }, not the bare ${names.key}`
          : `${key}: unknown ${names.key} '${String(value)}'${suggestion(value as string, names.options)}`;
      }
      return `${key}: ${show(value)} is not ${article(issue.expected)}`;
    }
    case 'invalid_union': {
      if (!('discriminator' in issue) || typeof issue.discriminator !== 'string') break;
      const options = ((issue as { options?: unknown[] }).options ?? []).map(String);
      // The issue's path ends at the discriminating key itself (`strategy.name`).
      if (value === undefined && known) return `${key}: missing (one of ${options.join(', ')})`;
      if (value === undefined) return `${key}: must be one of ${options.join(', ')}`;
      return `${key}: unknown ${issue.discriminator} ${show(value)}${suggestion(String(value), options)}`;
    }
    case 'invalid_value': {
      const options = issue.values.map(String);
      if (!known) return `${key}: must be one of ${options.join(', ')}`;
      // `method.name: unknown value` reads better as `method: unknown name`.
      const last = issue.path.at(-1);
      const parent = issue.path.slice(0, -1).map(String).join('.');
      const subject = typeof last === 'string' ? `${parent ? `${parent}: ` : ''}unknown ${last}` : `${key}: unknown value`;
      return `${subject} ${show(value)}${suggestion(String(value), options)}`;
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const sign = issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      if (issue.origin === 'array' || issue.origin === 'set') return `${key}: must hold ${sign} ${String(bound)} items`;
      if (issue.origin === 'string') return `${key}: must be ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(bound)} characters long`;
      return `${key}: must be ${sign} ${String(bound)}${known ? `, not ${show(value)}` : ''}`;
    }
    default:
      break;
  }
  return `${key}: ${issue.message}`;
}

/**
 * ` — did you mean 'x'?` when a valid choice is a near miss, else the list of choices (when short). Keys are quoted
 * "like this", values 'like this'.
 */
function suggestion(given: string, valid: readonly string[], quote = "'"): string {
  if (valid.length === 0) return '';
  const near = closest(given, [...valid]);
  if (distance(given.toLowerCase(), near.toLowerCase()) <= Math.max(2, Math.floor(given.length / 3))) return ` — did you mean ${quote}${near}${quote}?`;
  return valid.length <= 12 ? ` (valid: ${valid.join(', ')})` : '';
}

function article(expected: string): string {
  const noun = expected === 'int' ? 'whole number' : expected;
  return `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
}

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a mapping';
  return String(value);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let at = input;
  for (const segment of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<PropertyKey, unknown>)[segment];
  }
  return at;
}

/** zod's schema definition, read only to find the keys an object accepts (zod has no public walker). */
interface Def {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly out?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly discriminator?: string;
  readonly element?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly getter?: () => z.ZodType;
  readonly values?: readonly unknown[];
  readonly entries?: Record<string, unknown>;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The schema without wrappers (optional, default, pipe, ...), choosing among union options by the input. */
function unwrap(schema: z.ZodType, input: unknown): z.ZodType[] {
  const def = defOf(schema);
  if (def.innerType) return unwrap(def.innerType, input);
  // A pipe is `schema.transform()` (the schema is `in`) or `z.preprocess(fn, schema)` (the schema is `out`).
  if (def.type === 'pipe') return [def.in, def.out].flatMap((s) => (s && defOf(s).type !== 'transform' ? unwrap(s, input) : []));
  if (def.type === 'lazy' && def.getter) return unwrap(def.getter(), input);
  if (def.type === 'union' && def.options) {
    const options = def.options.flatMap((o) => unwrap(o, input));
    if (def.discriminator && input !== null && typeof input === 'object') {
      const tag = (input as Record<string, unknown>)[def.discriminator];
      const matching = options.filter((o) => literalValues(defOf(o).shape?.[def.discriminator!]).includes(tag));
      if (matching.length > 0) return matching;
    }
    return options;
  }
  return [schema];
}

function literalValues(schema: z.ZodType | undefined): unknown[] {
  if (!schema) return [];
  return unwrap(schema, undefined).flatMap((s) => [...(defOf(s).values ?? []), ...Object.values(defOf(s).entries ?? {})]);
}

function schemasAt(schema: z.ZodType, path: readonly PropertyKey[], input: unknown): z.ZodType[] {
  let here = unwrap(schema, input);
  let value = input;
  for (const segment of path) {
    value = valueAt(value, [segment]);
    here = here.flatMap((s) => {
      const def = defOf(s);
      const next = def.shape?.[String(segment)] ?? def.element ?? def.valueType;
      return next ? unwrap(next, value) : [];
    });
  }
  return here;
}

function keysAt(schema: z.ZodType, path: readonly PropertyKey[], input: unknown): string[] {
  return [...new Set(schemasAt(schema, path, input).flatMap((s) => Object.keys(defOf(s).shape ?? {})))];
}

/** Keys whose value names a variant (`method: { name: geofed }`, `partition: { scheme: iid }`). */
const NAMING_KEYS = ['name', 'type', 'scheme'];

/** When the mapping at `path` is named by one of its keys (method's `name`): that key and the names it takes. */
function namingKeyAt(schema: z.ZodType, path: readonly PropertyKey[]): { key: string; options: string[] } | undefined {
  const objects = schemasAt(schema, path, undefined).filter((s) => defOf(s).shape);
  const key = [...new Set(objects.flatMap((s) => Object.keys(defOf(s).shape!)))].find((k) => NAMING_KEYS.includes(k));
  if (!key) return undefined;
  const options = objects.flatMap((s) => literalValues(defOf(s).shape![key]).map(String));
  return options.length > 0 ? { key, options: [...new Set(options)] } : undefined;
}
