/**
 * The messages of one secure-aggregation round (Bonawitz et al., CCS 2017, semi-honest variant), in the order
 * they flow. Plain objects of strings and byte arrays so any transport can carry them.
 *
 *   1. client -> server  KeyAdvertisement   two X25519 public keys (one to encrypt shares, one to derive masks)
 *   2. server -> clients Roster              every advertisement received (the set U1)
 *   3. client -> server  SharedKeys          Shamir shares of its mask secret key and self-mask seed, one sealed
 *                                            envelope per peer, which the server forwards unopened
 *   4. server -> client  envelopes addressed to it, from the set U2 of clients that sent step 3
 *   5. client -> server  MaskedInput         its encoded vector plus self-mask plus pairwise masks with all of U2
 *   6. server -> clients the set U3 of clients whose masked input arrived
 *   7. client -> server  UnmaskingShares     for each peer of U2: its self-mask seed share if the peer is in U3,
 *                                            its mask-key share if the peer dropped out; never both
 * The server can then remove every mask, learning only the sum over U3, as long as at least `threshold` clients
 * answer each step.
 */

export interface KeyAdvertisement {
  readonly from: string;
  /** Public key the peers use to encrypt Shamir shares to this client. */
  readonly encryptionKey: Uint8Array;
  /** Public key the peers use to derive their pairwise mask with this client. */
  readonly maskKey: Uint8Array;
}

export interface Roster {
  readonly round: string;
  readonly threshold: number;
  readonly clients: readonly KeyAdvertisement[];
}

export interface SealedShare {
  readonly from: string;
  readonly to: string;
  readonly ciphertext: Uint8Array;
}

export interface SharedKeys {
  readonly from: string;
  readonly envelopes: readonly SealedShare[];
}

export interface MaskedInput {
  readonly from: string;
  readonly masked: Uint32Array;
}

export interface RevealedShare {
  /** Whose secret this share belongs to. */
  readonly of: string;
  readonly share: Uint8Array;
}

export interface UnmaskingShares {
  readonly from: string;
  readonly selfMaskSeeds: readonly RevealedShare[];
  readonly maskKeys: readonly RevealedShare[];
}

/** Bytes of the payload fields of a message (keys, ciphertexts, vectors), for overhead accounting. */
export function payloadBytes(message: KeyAdvertisement | SharedKeys | MaskedInput | UnmaskingShares): number {
  if ('encryptionKey' in message) return message.encryptionKey.length + message.maskKey.length;
  if ('envelopes' in message) return message.envelopes.reduce((n, e) => n + e.ciphertext.length, 0);
  if ('masked' in message) return message.masked.byteLength;
  return [...message.selfMaskSeeds, ...message.maskKeys].reduce((n, s) => n + s.share.length, 0);
}
