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
}

export async function secureSumInProcess(inputs: ReadonlyMap<string, Uint32Array>, options: InProcessOptions): Promise<InProcessResult> {
  const vectorLength = inputs.values().next().value?.length ?? 0;
  const server = new SecAggServer({ round: options.round, threshold: options.threshold, vectorLength });
  const clients = [...inputs.keys()].map((id) => new SecAggClient(id));
  let bytesDown = 0;

  for (const c of clients) server.receiveAdvertisement(c.advertise());
  const roster = server.roster();
  bytesDown += clients.length * roster.clients.reduce((n, a) => n + a.encryptionKey.length + a.maskKey.length, 0);

  for (const c of clients) server.receiveSharedKeys(await c.shareKeys(roster));
  const lostUploads = options.dropAfterMasking ?? new Set<string>();
  for (const c of clients) {
    const envelopes = server.envelopesFor(c.id);
    bytesDown += envelopes.reduce((n, e) => n + e.ciphertext.length, 0);
    const masked = c.maskInput(envelopes, inputs.get(c.id)!);
    if (!lostUploads.has(c.id)) server.receiveMaskedInput(masked);
  }

  const survivors = server.survivors();
  const silent = options.dropAfterUpload ?? new Set<string>();
  for (const c of clients) {
    if (lostUploads.has(c.id) || silent.has(c.id)) continue;
    bytesDown += survivors.reduce((n, id) => n + id.length, 0);
    server.receiveUnmaskingShares(c.unmask(survivors));
  }
  const result = await server.sum();
  const received = server.received();
  return { ...result, received, bytesUp: received.reduce((n, m) => n + payloadBytes(m), 0), bytesDown };
}
