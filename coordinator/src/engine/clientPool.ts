import type { ClientUpdate, RoundTask } from '@geofed/shared/federation/task';

export type { ClientUpdate, RoundTask };

/** What became of an update the engine was handed: folded into the round, or refused by the aggregator. */
export type UpdateVerdict = { readonly accepted: true } | { readonly accepted: false; readonly reason: string };

export type ClientOutcome =
  | {
      readonly ok: true;
      readonly update: ClientUpdate;
      readonly bytesUp: number;
      readonly bytesDown: number;
      /** Told once whether the aggregator took the update (a transport answers the client with it). */
      readonly settle?: (verdict: UpdateVerdict) => void;
    }
  | { readonly ok: false; readonly clientId: string; readonly reason: string; readonly bytesDown: number };

/**
 * The one seam between the round engine and a transport. The simulation runner implements it in-process (or
 * over worker threads), the coordinator server over socket.io. The engine never knows which.
 */
export interface ClientPool {
  /** Ids of the clients that can take a task now, in a stable order. */
  available(): readonly string[];
  /**
   * True when outcomes' bytesUp/bytesDown are measured on the wire and so already include the method's payloads
   * (geometry, classifier, statistics); otherwise the engine adds what the method says it sends.
   */
  readonly measuresPayloadBytes?: boolean;
  /**
   * Sends the task to each client and yields outcomes as they arrive. Implementations end the iteration when
   * every client has answered, failed, or the deadline passed (late clients are reported as failures).
   */
  dispatch(task: RoundTask, clients: readonly string[], options: DispatchOptions): AsyncIterable<ClientOutcome>;
}

export interface DispatchOptions {
  /** Milliseconds after which missing clients count as dropped. */
  readonly deadlineMs?: number;
  readonly signal?: AbortSignal;
}
