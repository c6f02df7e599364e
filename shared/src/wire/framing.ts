import { ChunkAssembler, splitIntoChunks } from './chunking.ts';
import { decodeEnvelope, encodeEnvelope } from './codec.ts';
import { WireError } from './errors.ts';
import { PROTOCOL_VERSION, type Chunk, type Envelope } from './messages.ts';

/**
 * Envelopes <-> socket frames. A frame is one encoded Envelope; an envelope whose encoding exceeds the peer's
 * frame limit travels as Chunk envelopes (see `Chunk` in geofed.proto). Used by the coordinator, the Node client
 * and the browser client alike, so it touches no Node API.
 */

/**
 * GeoFed over socket.io: the client connects with handshake `auth: { clientId, token }` (refused connections get
 * a `connect_error` whose `data` is `{ code, reason }`), then every frame either way is the binary argument of a
 * FRAME_EVENT event. A client sends each frame with a socket.io acknowledgement callback and waits for it before
 * the next frame: the coordinator acknowledges when it can take more, which bounds the uploads it holds.
 * Heartbeats go on HEARTBEAT_EVENT, unacknowledged and never chunked, so that they need not wait for an upload.
 */
export const FRAME_EVENT = 'geofed.v1';
export const HEARTBEAT_EVENT = 'geofed.v1.heartbeat';

/** Bytes a Chunk envelope adds around its data: version, ids, counts, the 32-byte digest and field tags. */
const CHUNK_ENVELOPE_OVERHEAD = 512;
/** Below this a frame limit leaves no useful room for chunk data. */
export const MIN_FRAME_BYTES = 4096;

/** The frames that carry already-encoded envelope `bytes` to a peer accepting frames of at most `maxFrameBytes`. */
export function framesOf(bytes: Uint8Array, maxFrameBytes: number, transferId: string): Uint8Array[] {
  if (bytes.length <= maxFrameBytes) return [bytes];
  if (maxFrameBytes < MIN_FRAME_BYTES) {
    throw new WireError('TOO_LARGE', `a frame limit of ${maxFrameBytes} bytes is below the minimum of ${MIN_FRAME_BYTES}`);
  }
  const chunks = splitIntoChunks(bytes, { chunkSize: maxFrameBytes - CHUNK_ENVELOPE_OVERHEAD, transferId });
  return chunks.map((chunk) =>
    encodeEnvelope({ protocolVersion: PROTOCOL_VERSION, messageId: `${transferId}/${chunk.index}`, payload: { case: 'chunk', value: chunk } }),
  );
}

/** Encodes `envelope` and cuts it into frames (its message id names the transfer). */
export function encodeFrames(envelope: Envelope, maxFrameBytes: number): Uint8Array[] {
  return framesOf(encodeEnvelope(envelope), maxFrameBytes, envelope.messageId);
}

/** Socket payloads arrive as Buffer (Node), ArrayBuffer (browsers) or something a peer should not have sent. */
export function frameBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new WireError('MALFORMED', `a frame must be binary (one encoded Envelope), got ${data === null ? 'null' : typeof data}`);
}

export interface FrameReaderOptions {
  /** Largest single frame accepted. */
  readonly maxFrameBytes: number;
  /** Largest envelope accepted after reassembly (also the bytes a connection may hold in unfinished transfers). */
  readonly maxPayloadBytes: number;
  /** An unfinished transfer idle this long is dropped. */
  readonly idleTimeoutMs: number;
  /** Transfers a peer may have open at once. */
  readonly maxTransfers?: number;
  /** Told about transfers dropped for idling. */
  readonly onExpired?: (transferId: string, error: WireError) => void;
}

/**
 * One connection's receiving side: decodes frames under the frame limit and reassembles chunked envelopes under
 * the payload limit. Two steps, so that a caller can hold back a new transfer (flow control) before it is taken in.
 */
export class FrameReader {
  private readonly assembler: ChunkAssembler;

  constructor(private readonly options: FrameReaderOptions) {
    this.assembler = new ChunkAssembler({
      maxBytesInFlight: options.maxPayloadBytes,
      maxTransfers: options.maxTransfers ?? 1,
      idleTimeoutMs: options.idleTimeoutMs,
      ...(options.onExpired ? { onExpired: options.onExpired } : {}),
    });
  }

  /** Unfinished transfers. */
  get transfersInFlight(): number {
    return this.assembler.transfersInFlight;
  }

  /** One frame as an envelope; a WireError says why it is refused. */
  decodeFrame(data: unknown): Envelope {
    return decodeEnvelope(frameBytes(data), { maxMessageBytes: this.options.maxFrameBytes });
  }

  /** Takes a chunk; returns the envelope it completes, if any. */
  assemble(chunk: Chunk): Envelope | undefined {
    const payload = this.assembler.accept(chunk);
    if (payload === undefined) return undefined;
    const envelope = decodeEnvelope(payload, { maxMessageBytes: this.options.maxPayloadBytes });
    if (envelope.payload.case === 'chunk') throw new WireError('BAD_CHUNK', `transfer ${chunk.transferId} holds another chunk: chunks do not nest`);
    return envelope;
  }

  /** `decodeFrame` then, for a chunk, `assemble`: the whole envelope once it is complete. */
  read(data: unknown): Envelope | undefined {
    const envelope = this.decodeFrame(data);
    return envelope.payload.case === 'chunk' ? this.assemble(envelope.payload.value) : envelope;
  }

  close(): void {
    this.assembler.close();
  }
}
