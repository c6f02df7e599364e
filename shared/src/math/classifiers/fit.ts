import { GeoFedError } from '../../errors.ts';
import type { FixedClassifierType } from './spec.ts';

/** Which fixed-classifier types can place `numClasses` unit vectors in `dim` dimensions. */
export function typesThatFit(numClasses: number, dim: number): FixedClassifierType[] {
  const fits: FixedClassifierType[] = [];
  if (numClasses <= dim + 1) fits.push('etf', 'simplex', 'sparse-etf');
  if (numClasses <= 2 * dim) fits.push('orthoplex');
  if (dim >= 31 || numClasses <= 2 ** dim) fits.push('cube');
  fits.push('ebv');
  return fits;
}

export function assertFits(type: FixedClassifierType, numClasses: number, dim: number, rule: string): void {
  if (typesThatFit(numClasses, dim).includes(type)) return;
  const others = typesThatFit(numClasses, dim).filter((t) => t !== type);
  throw new GeoFedError(`classifier '${type}' cannot hold ${numClasses} classes in ${dim} dimensions (needs ${rule})`, {
    remedy: `use type ${others.map((t) => `'${t}'`).join(' or ')}, or a larger embedding dimension`,
    code: 'CLASSIFIER_DOES_NOT_FIT',
  });
}
