import { InvalidArgumentError } from 'commander';

/** Commander parser for counts and durations given on the command line. */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a whole number > 0');
  return n;
}
