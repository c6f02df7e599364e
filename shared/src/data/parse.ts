import type { z } from 'zod';
import { GeoFedError } from '../errors.ts';

/** Parses with a zod schema; failures become one GeoFedError line naming each bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
  throw new GeoFedError(`invalid ${what}: ${problems.join('; ')}`, { code: 'BAD_CONFIG' });
}
