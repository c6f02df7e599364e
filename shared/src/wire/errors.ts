import { GeoFedError } from '../errors.ts';

/**
 * Why a message, tensor or transfer was refused. Transports map these to a Reject code (see `rejectCodeFor`) and
 * log the reason; tests match on the code, people read the reason.
 */
export type WireErrorCode =
  /** The bytes are not a protobuf encoding of the expected message. */
  | 'MALFORMED'
  /** The bytes end in the middle of a field. */
  | 'TRUNCATED'
  /** A message, payload or transfer exceeds a size limit. */
  | 'TOO_LARGE'
  /** The protocol version is one this side does not speak. */
  | 'BAD_VERSION'
  /** A field the protocol requires is unset, or the envelope carries no payload. */
  | 'MISSING_FIELD'
  /** A field holds a value outside its valid range (unknown enum value, two payloads, negative scale, ...). */
  | 'BAD_VALUE'
  /** An array's length disagrees with its declared shape or dimension, or a shape differs from the expected one. */
  | 'BAD_SHAPE'
  /** A bundle's tensor names or count differ from what the receiver's model expects. */
  | 'SPEC_MISMATCH'
  /** A NaN or an infinity where only finite numbers are allowed. */
  | 'NON_FINITE'
  /** A tensor encoding or dtype this side cannot handle. */
  | 'BAD_ENCODING'
  /** A SHA-256 that does not match the bytes it covers. */
  | 'BAD_CHECKSUM'
  /** A chunk that disagrees with the rest of its transfer. */
  | 'BAD_CHUNK'
  /** A chunk index received twice. */
  | 'DUPLICATE_CHUNK'
  /** More transfers in flight than the receiver allows. */
  | 'TOO_MANY_TRANSFERS'
  /** A transfer stayed idle longer than the receiver waits. */
  | 'TIMEOUT';

/** A wire-level refusal: a machine-readable `code` and a one-line human `reason` (also the error message). */
export class WireError extends GeoFedError {
  declare readonly code: WireErrorCode;

  constructor(code: WireErrorCode, reason: string, options: { remedy?: string; cause?: unknown } = {}) {
    super(reason, { ...options, code });
    this.name = 'WireError';
  }

  get reason(): string {
    return this.message;
  }
}

export function isWireError(e: unknown, code?: WireErrorCode): e is WireError {
  return e instanceof WireError && (code === undefined || e.code === code);
}
