import type protobuf from 'protobufjs/light.js';
import { messageChecks } from './checks.ts';
import { fromWire, toWire } from './convert.ts';
import { WireError, type WireErrorCode } from './errors.ts';
import { PROTOCOL_VERSION, type Envelope, type RejectCode } from './messages.ts';
import { envelopeType } from './schema.ts';

/**
 * Envelope <-> bytes. Every frame on a GeoFed socket is one encoded Envelope; this is the only place bytes become
 * messages, so everything a peer can get wrong surfaces here as a WireError.
 */

export interface DecodeLimits {
  /** Frames longer than this are refused before any decoding. */
  readonly maxMessageBytes: number;
  /** Protocol versions accepted; default: only PROTOCOL_VERSION. */
  readonly supportedVersions?: readonly number[];
}

export function encodeEnvelope(envelope: Envelope): Uint8Array {
  const wire = toWire(envelopeType, envelope as unknown as Record<string, unknown>, 'envelope', messageChecks);
  return envelopeType.encode(wire).finish();
}

function parse(bytes: Uint8Array): protobuf.Message & Record<string, unknown> {
  try {
    return envelopeType.decode(bytes) as protobuf.Message & Record<string, unknown>;
  } catch (e) {
    // protobufjs reports a read past the end as a RangeError ("index out of range").
    if (e instanceof RangeError) throw new WireError('TRUNCATED', `message ends early: ${e.message}`, { cause: e });
    throw new WireError('MALFORMED', `not a GeoFed envelope: ${(e as Error).message}`, { cause: e });
  }
}

export function decodeEnvelope(bytes: Uint8Array | ArrayBuffer, limits: DecodeLimits): Envelope {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (view.byteLength > limits.maxMessageBytes) {
    throw new WireError('TOO_LARGE', `message of ${view.byteLength} bytes exceeds the limit of ${limits.maxMessageBytes}`, {
      remedy: 'send it as chunks',
    });
  }
  const message = parse(view);
  const version = message['protocolVersion'] as number;
  if (version === 0) throw new WireError('MALFORMED', 'not a GeoFed envelope: no protocol version');
  const supported = limits.supportedVersions ?? [PROTOCOL_VERSION];
  if (!supported.includes(version)) {
    throw new WireError('BAD_VERSION', `protocol version ${version} is not supported (this side speaks ${supported.join(', ')})`);
  }
  return fromWire(envelopeType, message, 'envelope', messageChecks) as unknown as Envelope;
}

const REJECT_CODES: Partial<Record<WireErrorCode, RejectCode>> = {
  BAD_VERSION: 'unsupported_version',
  TOO_LARGE: 'too_large',
  TOO_MANY_TRANSFERS: 'capacity',
  TIMEOUT: 'deadline',
  BAD_ENCODING: 'unsupported',
};

/** The Reject code a receiver answers a WireError with. */
export function rejectCodeFor(error: WireError): RejectCode {
  return REJECT_CODES[error.code] ?? 'malformed';
}
