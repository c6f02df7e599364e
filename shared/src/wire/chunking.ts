import { sha256 } from './digest.ts';
import { checkChunk } from './checks.ts';
import { WireError } from './errors.ts';
import type { Chunk } from './messages.ts';

/**
 * Frames too large for one socket message travel as Chunks (see `Chunk` in geofed.proto). The SHA-256 is computed
 * synchronously by @noble/hashes so the same code runs in Node and in browsers (Web Crypto is async and missing
 * from insecure origins).
 */

export interface SplitOptions {
  /** Bytes of payload per chunk; >= 1. */
  readonly chunkSize: number;
  readonly transferId: string;
}

/** The chunks of `payload`, in order. The chunks' data are views into `payload`. */
export function splitIntoChunks(payload: Uint8Array, { chunkSize, transferId }: SplitOptions): Chunk[] {
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  const digest = sha256(payload);
  const total = Math.max(1, Math.ceil(payload.length / chunkSize));
  return Array.from({ length: total }, (_, index) => ({
    transferId,
    index,
    total,
    totalBytes: payload.length,
    sha256: digest,
    data: payload.subarray(index * chunkSize, (index + 1) * chunkSize),
  }));
}

export interface ChunkAssemblerOptions {
  /** Upper bound on the summed `totalBytes` of the transfers in progress; a transfer reserves it on its first chunk. */
  readonly maxBytesInFlight: number;
  /** Upper bound on transfers in progress at once. */
  readonly maxTransfers: number;
  /** A transfer that receives no chunk for this long is dropped. */
  readonly idleTimeoutMs: number;
  /** Told about each transfer dropped for idling (error code TIMEOUT); other refusals are thrown by `accept`. */
  readonly onExpired?: (transferId: string, error: WireError) => void;
}

interface Transfer {
  readonly total: number;
  readonly totalBytes: number;
  readonly sha256: Uint8Array;
  readonly pieces: Map<number, Uint8Array>;
  receivedBytes: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Reassembles chunked payloads with bounded memory and time. Use one per connection, so that one peer cannot use
 * up another's budget. `accept` throws a WireError for a chunk it refuses; a refusal that makes the transfer
 * unusable (mismatched header, overflow, bad checksum) also drops the transfer. Call `close` when the connection ends.
 */
export class ChunkAssembler {
  private readonly transfers = new Map<string, Transfer>();
  private reservedBytes = 0;

  constructor(private readonly options: ChunkAssemblerOptions) {}

  /** Bytes reserved by the transfers in progress. */
  get bytesInFlight(): number {
    return this.reservedBytes;
  }

  get transfersInFlight(): number {
    return this.transfers.size;
  }

  /** Takes one chunk; returns the whole payload when this chunk completes its transfer (checksum verified). */
  accept(chunk: Chunk): Uint8Array | undefined {
    const label = `transfer ${chunk.transferId}`;
    checkChunk(chunk, `${label}: chunk ${chunk.index}`);
    const transfer = this.transfers.get(chunk.transferId) ?? this.open(chunk, label);
    if (chunk.total !== transfer.total || chunk.totalBytes !== transfer.totalBytes || !sameBytes(chunk.sha256, transfer.sha256)) {
      this.fail(chunk.transferId, new WireError('BAD_CHUNK', `${label}: chunk ${chunk.index} disagrees with the transfer's total, size or sha256`));
    }
    if (transfer.pieces.has(chunk.index)) {
      throw new WireError('DUPLICATE_CHUNK', `${label}: chunk ${chunk.index} arrived twice`);
    }
    if (transfer.receivedBytes + chunk.data.length > transfer.totalBytes) {
      this.fail(chunk.transferId, new WireError('BAD_CHUNK', `${label}: chunks hold more than the declared ${transfer.totalBytes} bytes`));
    }
    // A copy: the chunk's bytes may belong to a socket buffer its owner reuses.
    transfer.pieces.set(chunk.index, new Uint8Array(chunk.data));
    transfer.receivedBytes += chunk.data.length;
    if (transfer.pieces.size < transfer.total) {
      this.arm(chunk.transferId, transfer);
      return undefined;
    }
    return this.complete(chunk.transferId, transfer, label);
  }

  /** Drops every transfer in progress and stops their timers. */
  close(): void {
    for (const id of [...this.transfers.keys()]) this.drop(id);
  }

  private open(chunk: Chunk, label: string): Transfer {
    const { maxTransfers, maxBytesInFlight } = this.options;
    if (this.transfers.size >= maxTransfers) {
      throw new WireError('TOO_MANY_TRANSFERS', `${label}: ${maxTransfers} transfers already in progress`, { remedy: 'retry when one completes' });
    }
    if (this.reservedBytes + chunk.totalBytes > maxBytesInFlight) {
      throw new WireError(
        'TOO_LARGE',
        `${label}: ${chunk.totalBytes} bytes would exceed the ${maxBytesInFlight} bytes allowed in flight (${this.reservedBytes} in use)`,
      );
    }
    if (chunk.total > Math.max(1, chunk.totalBytes)) {
      throw new WireError('BAD_CHUNK', `${label}: ${chunk.total} chunks cannot carry ${chunk.totalBytes} bytes`);
    }
    const transfer: Transfer = {
      total: chunk.total,
      totalBytes: chunk.totalBytes,
      sha256: new Uint8Array(chunk.sha256),
      pieces: new Map(),
      receivedBytes: 0,
      timer: undefined,
    };
    this.transfers.set(chunk.transferId, transfer);
    this.reservedBytes += chunk.totalBytes;
    return transfer;
  }

  private complete(id: string, transfer: Transfer, label: string): Uint8Array {
    if (transfer.receivedBytes !== transfer.totalBytes) {
      this.fail(id, new WireError('BAD_CHUNK', `${label}: ${transfer.receivedBytes} bytes received, ${transfer.totalBytes} declared`));
    }
    const payload = new Uint8Array(transfer.totalBytes);
    let offset = 0;
    for (let i = 0; i < transfer.total; i++) {
      const piece = transfer.pieces.get(i)!;
      payload.set(piece, offset);
      offset += piece.length;
    }
    if (!sameBytes(sha256(payload), transfer.sha256)) {
      this.fail(id, new WireError('BAD_CHECKSUM', `${label}: the reassembled payload's sha256 differs from the declared one`));
    }
    this.drop(id);
    return payload;
  }

  /** (Re)starts the idle timer; it does not keep a Node process alive. */
  private arm(id: string, transfer: Transfer): void {
    clearTimeout(transfer.timer);
    const { idleTimeoutMs, onExpired } = this.options;
    transfer.timer = setTimeout(() => {
      this.drop(id);
      const error = new WireError(
        'TIMEOUT',
        `transfer ${id}: no chunk for ${idleTimeoutMs} ms, dropped with ${transfer.pieces.size} of ${transfer.total} chunks`,
      );
      onExpired?.(id, error);
    }, idleTimeoutMs);
    (transfer.timer as { unref?: () => void }).unref?.();
  }

  private fail(id: string, error: WireError): never {
    this.drop(id);
    throw error;
  }

  private drop(id: string): void {
    const transfer = this.transfers.get(id);
    if (transfer === undefined) return;
    clearTimeout(transfer.timer);
    this.transfers.delete(id);
    this.reservedBytes -= transfer.totalBytes;
  }
}
