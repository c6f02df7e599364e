/**
 * Runs a whole secure-aggregation round between clients and a server living in one process, as the simulation
 * does: the same message flow as over the network, with optional dropouts after masking to exercise recovery.
 */
import { SecAggClient } from './client.ts';
import { payloadBytes } from './messages.ts';
import { SecAggServer } from './server.ts';
import type { ClientMessage } from './server.ts';

export interface InProcessOptions {
  readonly round: string;
  readonly threshold: number;
  /** Clients that mask their input but vanish before it reaches the server: the sum leaves them out. */
  readonly dropAfterMasking?: ReadonlySet<string>;
  /** Clients whose masked input arrives but who vanish before unmasking: the sum still contains their input. */
  readonly dropAfterUpload?: ReadonlySet<string>;
}

export interface InProcessResult {
  readonly sum: Uint32Array;
  readonly survivors: readonly string[];
  /** Every message the server accepted, for inspection. */
  readonly received: readonly ClientMessage[];
  /** Payload bytes clients sent to the server and the server sent to clients (keys, shares, vectors). */
  readonly bytesUp: number;
  readonly bytesDown: number;
  /** Wall time spent in client steps (all clients together) and in server steps, for overhead tables. */
  readonly clientSeconds: number;
  readonly serverSeconds: number;
}

export async function secureSumInProcess(inputs: ReadonlyMap<string, Uint32Array>, options: InProcessOptions): Promise<InProcessResult> {
  const vectorLength = inputs.values().next().value?.length ?? 0;
  let clientMs = 0;
  let serverMs = 0;
  const onClient = async <T>(step: () => T | Promise<T>): Promise<T> => {
    const t = performance.now();
    const out = await step();
    clientMs += performance.now() - t;
    return out;
  };
  const onServer = async <T>(step: () => T | Promise<T>): Promise<T> => {
    const t = performance.now();
    const out = await step();
    serverMs += performance.now() - t;
    return out;
  };
  const server = new SecAggServer({ round: options.round, threshold: options.threshold, vectorLength });
  const clients = [...inputs.keys()].map((id) => new SecAggClient(id));
  let bytesDown = 0;

  for (const c of clients) server.receiveAdvertisement(await onClient(() => c.advertise()));
  const roster = server.roster();
  bytesDown += clients.length * roster.clients.reduce((n, a) => n + a.encryptionKey.length + a.maskKey.length, 0);

  for (const c of clients) {
    const shared = await onClient(() => c.shareKeys(roster));
    await onServer(() => server.receiveSharedKeys(shared));
  }
  const lostUploads = options.dropAfterMasking ?? new Set<string>();
  for (const c of clients) {
    const envelopes = server.envelopesFor(c.id);
    bytesDown += envelopes.reduce((n, e) => n + e.ciphertext.length, 0);
    const masked = await onClient(() => c.maskInput(envelopes, inputs.get(c.id)!));
    if (!lostUploads.has(c.id)) server.receiveMaskedInput(masked);
  }

  const survivors = server.survivors();
  const silent = options.dropAfterUpload ?? new Set<string>();
  for (const c of clients) {
    if (lostUploads.has(c.id) || silent.has(c.id)) continue;
    bytesDown += survivors.reduce((n, id) => n + id.length, 0);
    server.receiveUnmaskingShares(await onClient(() => c.unmask(survivors)));
  }
  const result = await onServer(() => server.sum());
  const received = server.received();
  return {
    ...result,
    received,
    bytesUp: received.reduce((n, m) => n + payloadBytes(m), 0),
    bytesDown,
    clientSeconds: clientMs / 1000,
    serverSeconds: serverMs / 1000,
  };
}
