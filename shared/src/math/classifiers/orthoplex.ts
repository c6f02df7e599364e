import { assertFits } from './fit.ts';

/**
 * Vertices of the cross-polytope, +-e_i (dim x K). Class 2i is +e_i and class 2i+1 is -e_i, so classes come in
 * antipodal pairs and any two classes are orthogonal or opposite. Uses no randomness.
 */
export function orthoplexClassifier(numClasses: number, dim: number): Float64Array {
  assertFits('orthoplex', numClasses, dim, 'numClasses <= 2 * dim');
  const out = new Float64Array(dim * numClasses);
  for (let c = 0; c < numClasses; c++) out[(c >> 1) * numClasses + c] = c % 2 === 0 ? 1 : -1;
  return out;
}
