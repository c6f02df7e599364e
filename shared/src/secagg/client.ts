/**
 * One client's side of a secure-aggregation round (see messages.ts for the flow). A client object serves one
 * round: its keys and self-mask seed are fresh, so masks never repeat across rounds.
 */
import { GeoFedError } from '../errors.ts';
import { addInto, subtractInto } from './fixedPoint.ts';
import type { KeyAdvertisement, MaskedInput, RevealedShare, Roster, SealedShare, SharedKeys, UnmaskingShares } from './messages.ts';
import { agreeKey, expandMask, generateKeyPair, open, randomSeed, seal, SEED_BYTES, splitSecret } from './primitives.ts';
import type { KeyPair } from './primitives.ts';

/** Shamir shares of one peer's two secrets, as this client holds them. */
interface HeldShares {
  readonly maskKey: Uint8Array;
  readonly selfMaskSeed: Uint8Array;
}

const SHARE_BYTES = SEED_BYTES + 1; // shamir-secret-sharing appends the share's x coordinate

export function shareContext(round: string, from: string, to: string): string {
  return `${round}:${from}->${to}`;
}

/** +1 when `a` adds the pairwise mask it shares with `b`, -1 when it subtracts it: the two cancel in the sum. */
export function maskSign(a: string, b: string): 1 | -1 {
  return a < b ? 1 : -1;
}

export class SecAggClient {
  private readonly encryption: KeyPair = generateKeyPair();
  private readonly masking: KeyPair = generateKeyPair();
  private readonly selfMaskSeed = randomSeed();
  private roster: Roster | undefined;
  /** Shares held for each peer that completed the key sharing (U2), this client included. */
  private readonly held = new Map<string, HeldShares>();
  private maskedPeers: ReadonlySet<string> | undefined;
  private unmasked = false;

  constructor(readonly id: string) {}

  advertise(): KeyAdvertisement {
    return { from: this.id, encryptionKey: this.encryption.publicKey, maskKey: this.masking.publicKey };
  }

  async shareKeys(roster: Roster): Promise<SharedKeys> {
    const ids = roster.clients.map((c) => c.from);
    if (new Set(ids).size !== ids.length) throw new GeoFedError('secure aggregation: the roster names a client twice');
    if (!ids.includes(this.id)) throw new GeoFedError(`secure aggregation: client ${this.id} is not on the roster it was sent`);
    if (!Number.isInteger(roster.threshold) || roster.threshold < 2 || roster.threshold > ids.length) {
      throw new GeoFedError(`secure aggregation: threshold ${roster.threshold} must be an integer in [2, ${ids.length}] for ${ids.length} clients`);
    }
    this.roster = roster;
    const n = ids.length;
    const [maskKeyShares, seedShares] = await Promise.all([
      splitSecret(this.masking.secretKey, n, roster.threshold),
      splitSecret(this.selfMaskSeed, n, roster.threshold),
    ]);
    const envelopes: SealedShare[] = [];
    roster.clients.forEach((peer, i) => {
      if (peer.from === this.id) {
        this.held.set(this.id, { maskKey: maskKeyShares[i]!, selfMaskSeed: seedShares[i]! });
        return;
      }
      const plaintext = new Uint8Array(2 * SHARE_BYTES);
      plaintext.set(maskKeyShares[i]!);
      plaintext.set(seedShares[i]!, SHARE_BYTES);
      const key = agreeKey(this.encryption.secretKey, peer.encryptionKey, `${roster.round}/shares`);
      envelopes.push({ from: this.id, to: peer.from, ciphertext: seal(key, plaintext, shareContext(roster.round, this.id, peer.from)) });
    });
    return { from: this.id, envelopes };
  }

  /**
   * Opens the shares the peers of U2 sent this client, then masks `encoded` (already in Z_2^32) with the self-mask
   * and one pairwise mask per peer of U2.
   */
  maskInput(envelopes: readonly SealedShare[], encoded: Uint32Array): MaskedInput {
    const roster = this.requireRoster();
    for (const envelope of envelopes) {
      if (envelope.to !== this.id) throw new GeoFedError(`secure aggregation: client ${this.id} was handed a share addressed to ${envelope.to}`);
      const sender = roster.clients.find((c) => c.from === envelope.from);
      if (!sender) throw new GeoFedError(`secure aggregation: a share came from ${envelope.from}, who is not on the roster`);
      const key = agreeKey(this.encryption.secretKey, sender.encryptionKey, `${roster.round}/shares`);
      const plaintext = open(key, envelope.ciphertext, shareContext(roster.round, envelope.from, this.id));
      if (plaintext.length !== 2 * SHARE_BYTES) throw new GeoFedError(`secure aggregation: the share from ${envelope.from} has the wrong length`);
      this.held.set(envelope.from, { maskKey: plaintext.slice(0, SHARE_BYTES), selfMaskSeed: plaintext.slice(SHARE_BYTES) });
    }
    if (this.held.size < roster.threshold) {
      throw new GeoFedError(`secure aggregation: only ${this.held.size} clients shared keys, fewer than the threshold ${roster.threshold}`);
    }
    const masked = Uint32Array.from(encoded);
    addInto(masked, expandMask(this.selfMaskSeed, masked.length));
    for (const peerId of this.held.keys()) {
      if (peerId === this.id) continue;
      const peer = roster.clients.find((c) => c.from === peerId)!;
      const mask = expandMask(agreeKey(this.masking.secretKey, peer.maskKey, `${roster.round}/mask`), masked.length);
      if (maskSign(this.id, peerId) > 0) addInto(masked, mask);
      else subtractInto(masked, mask);
    }
    this.maskedPeers = new Set(this.held.keys());
    return { from: this.id, masked };
  }

  /**
   * Reveals, for each peer this client masked with, exactly one of its secrets: the self-mask seed of a survivor,
   * or the mask key of a client that dropped out. Revealing both for one peer would expose its input, so a
   * client answers only once per round.
   */
  unmask(survivors: readonly string[]): UnmaskingShares {
    const roster = this.requireRoster();
    const masked = this.maskedPeers;
    if (!masked) throw new GeoFedError('secure aggregation: unmasking was requested before this client masked its input');
    if (this.unmasked) throw new GeoFedError('secure aggregation: this client already answered the unmasking request of this round');
    const alive = new Set(survivors);
    if (!alive.has(this.id)) throw new GeoFedError(`secure aggregation: client ${this.id} is asked to unmask but is not listed as a survivor`);
    for (const s of alive) {
      if (!masked.has(s)) throw new GeoFedError(`secure aggregation: survivor ${s} never shared keys in this round`);
    }
    if (alive.size < roster.threshold) {
      throw new GeoFedError(`secure aggregation: ${alive.size} survivors are fewer than the threshold ${roster.threshold}; refusing to unmask`);
    }
    this.unmasked = true;
    const selfMaskSeeds: RevealedShare[] = [];
    const maskKeys: RevealedShare[] = [];
    for (const peerId of masked) {
      const shares = this.held.get(peerId)!;
      if (alive.has(peerId)) selfMaskSeeds.push({ of: peerId, share: shares.selfMaskSeed });
      else maskKeys.push({ of: peerId, share: shares.maskKey });
    }
    return { from: this.id, selfMaskSeeds, maskKeys };
  }

  private requireRoster(): Roster {
    if (!this.roster) throw new GeoFedError('secure aggregation: this client has not received the roster yet');
    return this.roster;
  }
}
