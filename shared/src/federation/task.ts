import type { LocalTrainSettings } from '../config/localTrain.ts';
import type { MethodPlan } from '../config/method.ts';
import type { GeometrySnapshot } from '../geometry/snapshot.ts';
import { hashString } from '../math/rng.ts';
import type { WeightList } from '../tensor/weights.ts';

/**
 * What both sides of a round agree on, whatever carries it (a function call in a simulation, protobuf over
 * socket.io in a deployment).
 */
export interface RoundTask {
  readonly round: number;
  readonly weights: WeightList;
  readonly train: LocalTrainSettings;
  /** Run seed; each client derives its own shuffling seed from it, its id and the round. */
  readonly seed: number;
  /** Method-specific payload (fixed classifier, geometry snapshot ...). */
  readonly payload?: Readonly<Record<string, unknown>>;
}

/** What a round task's payload may carry for the method (read by runRoundTask, carried by the wire mapping). */
export type MethodPayload = {
  method?: MethodPlan;
  geometry?: GeometrySnapshot;
};

export interface ClientUpdate {
  clientId: string;
  /** n_k: how many local samples the update was trained on. */
  numSamples: number;
  weights: WeightList;
  localSteps?: number;
  metrics?: Record<string, number>;
  /** Method-specific results (class statistics ...). */
  payload?: Record<string, unknown>;
}

/** The shuffling seed of one client in one round: the same wherever (and on whichever thread) it trains. */
export function clientSeed(runSeed: number, round: number, clientId: string): number {
  return hashString(`${runSeed}:${round}:${clientId}`);
}
