import { GeoFedError } from '@geofed/shared/errors';
import type { WeightList } from '@geofed/shared/tensor/weights';
import type { ClientUpdate } from './types.ts';

export const UPDATE_REJECTED = 'UPDATE_REJECTED';

/** Why `weights` cannot stand in for `reference` (tensor count, type or size), or undefined when it can. */
export function shapeMismatch(weights: WeightList, reference: WeightList): string | undefined {
  if (!Array.isArray(weights)) return 'weights are not a list of tensors';
  if (weights.length !== reference.length) {
    return `has ${weights.length} tensors, the global model has ${reference.length}`;
  }
  for (let i = 0; i < reference.length; i++) {
    const t = weights[i];
    if (!(t instanceof Float32Array)) return `tensor ${i} is not a Float32Array`;
    if (t.length !== reference[i]!.length) {
      return `tensor ${i} has ${t.length} values, the global model's has ${reference[i]!.length}`;
    }
  }
  return undefined;
}

/** Where the first NaN or infinity sits, or undefined when every value is finite. */
export function firstNonFinite(weights: WeightList): string | undefined {
  for (let i = 0; i < weights.length; i++) {
    const t = weights[i]!;
    for (let j = 0; j < t.length; j++) {
      if (!Number.isFinite(t[j]!)) return `tensor ${i} holds ${t[j]} at index ${j}`;
    }
  }
  return undefined;
}

/**
 * Checks everything an aggregator relies on before the update may touch any sum, so that a rejected
 * update leaves no trace. Throws a GeoFedError naming the client and, where it applies, the tensor.
 */
export function validateUpdate(update: ClientUpdate, global: WeightList): void {
  if (typeof update.clientId !== 'string' || update.clientId === '') {
    throw new GeoFedError('update rejected: clientId must be a non-empty string', {
      remedy: 'the round engine must tag every update with the id of the client that sent it',
      code: UPDATE_REJECTED,
    });
  }
  const reject = (problem: string, remedy: string): GeoFedError =>
    new GeoFedError(`update from client "${update.clientId}" rejected: ${problem}`, { remedy, code: UPDATE_REJECTED });

  if (typeof update.numSamples !== 'number' || !Number.isFinite(update.numSamples) || update.numSamples <= 0) {
    throw reject(
      `numSamples must be a positive finite number, got ${update.numSamples}`,
      'a client with no training samples should not report an update',
    );
  }
  const mismatch = shapeMismatch(update.weights, global);
  if (mismatch !== undefined) {
    throw reject(`weights ${mismatch}`, 'the client must train the model it was sent (same architecture and order)');
  }
  const nonFinite = firstNonFinite(update.weights);
  if (nonFinite !== undefined) {
    throw reject(nonFinite, 'local training diverged: lower the client learning rate or check its data');
  }
}
