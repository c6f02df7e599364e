import { trainLocal } from '@geofed/client/trainer/localTrainer';
import type { LocalTrainSettings } from '@geofed/shared/config/localTrain';
import type { Split } from '@geofed/shared/data/dataset';
import { Rng } from '@geofed/shared/math/rng';
import { evaluate } from '@geofed/shared/models/evaluate';
import type { GeoModel } from '@geofed/shared/models/geoModel';
import type { WeightList } from '@geofed/shared/tensor/weights';
import { clientData, type VirtualClient } from './virtualClients.ts';

/**
 * Accuracy on a test set drawn with each client's own label distribution, averaged over clients: per-class
 * accuracy weighted by the client's class shares (the expectation such a test set would give).
 */
export function personalizedAccuracy(perClass: ReadonlyArray<[number, number]>, clientCounts: readonly number[][]): number {
  const classAccuracy = perClass.map(([correct, total]) => (total > 0 ? correct / total : 0));
  const perClient = clientCounts
    .map((counts) => {
      const n = counts.reduce((a, b) => a + b, 0);
      return n === 0 ? undefined : counts.reduce((s, c, k) => s + (c / n) * classAccuracy[k]!, 0);
    })
    .filter((a): a is number => a !== undefined);
  return perClient.reduce((a, b) => a + b, 0) / perClient.length;
}

export interface FineTuneSettings {
  /** Local epochs of head-only training; 0 skips personalisation. */
  readonly epochs: number;
  /** At most this many clients (a seeded sample) are fine-tuned and scored. */
  readonly maxClients: number;
}

export interface FineTunedPersonalization {
  /** Mean over the scored clients of their fine-tuned model's accuracy under their own label distribution. */
  readonly accuracy: number;
  readonly clients: number;
  readonly epochs: number;
}

/**
 * Personalisation by local head fine-tuning: each client starts from the final global model, trains only the
 * head (under a fixed classifier: the projection and temperature, the shared matrix stays fixed) on its own data, and
 * is scored on the test set weighted to its own label distribution. The backbone, the shared representation, is
 * left as the federation trained it.
 */
export async function fineTunedPersonalization(args: {
  model: GeoModel;
  weights: WeightList;
  train: Split;
  test: Split;
  clients: readonly VirtualClient[];
  clientCounts: readonly number[][];
  local: LocalTrainSettings;
  settings: FineTuneSettings;
  seed: number;
  evaluationBatchSize: number;
}): Promise<FineTunedPersonalization | undefined> {
  const { model, settings } = args;
  if (settings.epochs === 0 || args.clients.length === 0) return undefined;
  const rng = new Rng(args.seed).fork('personalization');
  const chosen =
    args.clients.length <= settings.maxClients
      ? args.clients.map((_, i) => i)
      : rng.sample(args.clients.length, settings.maxClients).sort((a, b) => a - b);
  const scores: number[] = [];
  for (const i of chosen) {
    const client = args.clients[i]!;
    const tuned = await trainLocal(
      model,
      args.weights,
      clientData(args.train, model.inputShape, client),
      { ...args.local, epochs: settings.epochs, proximalMu: 0, seed: rng.int(2 ** 31) },
      {},
      ['head'],
    );
    model.setWeights(tuned.weights);
    const evaluation = evaluate(model, args.test, undefined, args.evaluationBatchSize);
    scores.push(personalizedAccuracy(evaluation.perClass, [args.clientCounts[i]!]));
  }
  model.setWeights(args.weights);
  return { accuracy: scores.reduce((a, b) => a + b, 0) / scores.length, clients: chosen.length, epochs: settings.epochs };
}
