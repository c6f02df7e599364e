import type { z } from 'zod';
import { describeIssues } from '../config/describeIssues.ts';
import { GeoFedError } from '../errors.ts';

/** Parses with a zod schema; failures become one GeoFedError line naming each bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new GeoFedError(`invalid ${what}: ${describeIssues(result.error, { input, schema })}`, { code: 'BAD_CONFIG' });
}
