/**
 * The cryptographic building blocks of secure aggregation, all from audited libraries (noble family, and
 * shamir-secret-sharing) so the same synchronous code runs in Node and in browsers:
 * - X25519 key agreement, its shared secret stretched by HKDF-SHA256 into a 32-byte key bound to the round;
 * - a PRG: ChaCha20 keystream read as little-endian uint32 words (every JS engine in use is little-endian);
 * - XChaCha20-Poly1305 for the encrypted Shamir shares (24-byte random nonces are safe to draw at random);
 * - Shamir sharing of 32-byte secrets over GF(256).
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { chacha20, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf';
import { sha256 } from '@noble/hashes/sha2';
import { randomBytes, utf8ToBytes } from '@noble/hashes/utils';
import { combine, split } from 'shamir-secret-sharing';
import { GeoFedError } from '../errors.ts';

export interface KeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export const SEED_BYTES = 32;
const NONCE_BYTES = 24;

export function generateKeyPair(): KeyPair {
  return x25519.keygen();
}

export function randomSeed(): Uint8Array {
  return randomBytes(SEED_BYTES);
}

/** 32-byte key both ends derive from their X25519 agreement; `context` separates rounds and purposes. */
export function agreeKey(secretKey: Uint8Array, peerPublicKey: Uint8Array, context: string): Uint8Array {
  const shared = x25519.getSharedSecret(secretKey, peerPublicKey);
  return hkdf(sha256, shared, undefined, utf8ToBytes(`geofed-secagg/${context}`), SEED_BYTES);
}

/** `length` pseudo-random words in Z_2^32 expanded from a 32-byte seed; a seed is used for one mask only. */
export function expandMask(seed: Uint8Array, length: number): Uint32Array {
  const bytes = chacha20(seed, new Uint8Array(12), new Uint8Array(length * 4));
  return new Uint32Array(bytes.buffer, bytes.byteOffset, length);
}

/** Authenticated encryption; the associated data binds the ciphertext to sender, receiver and round. */
export function seal(key: Uint8Array, plaintext: Uint8Array, associatedData: string): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES);
  const body = xchacha20poly1305(key, nonce, utf8ToBytes(associatedData)).encrypt(plaintext);
  const out = new Uint8Array(NONCE_BYTES + body.length);
  out.set(nonce);
  out.set(body, NONCE_BYTES);
  return out;
}

export function open(key: Uint8Array, sealed: Uint8Array, associatedData: string): Uint8Array {
  if (sealed.length <= NONCE_BYTES) throw new GeoFedError('secure aggregation: an encrypted share is too short to be genuine');
  try {
    return xchacha20poly1305(key, sealed.subarray(0, NONCE_BYTES), utf8ToBytes(associatedData)).decrypt(sealed.subarray(NONCE_BYTES));
  } catch (cause) {
    throw new GeoFedError(`secure aggregation: an encrypted share for ${associatedData} failed authentication`, { cause });
  }
}

export function splitSecret(secret: Uint8Array, shares: number, threshold: number): Promise<Uint8Array[]> {
  return split(secret, shares, threshold);
}

export function combineShares(shares: Uint8Array[]): Promise<Uint8Array> {
  return combine(shares);
}
