/**
 * The server's side of one secure-aggregation round (see messages.ts). It routes sealed shares it cannot read,
 * adds masked vectors, and with the shares revealed in the last step removes the masks: it learns the sum of the
 * surviving clients' inputs and nothing about any single one. Every message it accepts is kept in `received()`
 * so tests can check that nothing individual arrived in the clear.
 */
import { GeoFedError } from '../errors.ts';
import { maskSign } from './client.ts';
import { addInto, subtractInto } from './fixedPoint.ts';
import type { KeyAdvertisement, MaskedInput, Roster, SealedShare, SharedKeys, UnmaskingShares } from './messages.ts';
import { agreeKey, combineShares, expandMask } from './primitives.ts';

export type ClientMessage = KeyAdvertisement | SharedKeys | MaskedInput | UnmaskingShares;

export interface SecAggServerOptions {
  /** Distinct per round: keys and masks are bound to it. */
  readonly round: string;
  /** Fewest clients that must answer every step; the sum survives up to (clients - threshold) dropouts. */
  readonly threshold: number;
  /** Length of the encoded vectors, in 32-bit words. */
  readonly vectorLength: number;
}

export interface SecureSum {
  readonly sum: Uint32Array;
  /** Clients whose inputs the sum contains (U3). */
  readonly survivors: readonly string[];
}

export class SecAggServer {
  private readonly advertised = new Map<string, KeyAdvertisement>();
  private readonly sharedKeys = new Map<string, SharedKeys>();
  private readonly maskedInputs = new Map<string, MaskedInput>();
  private readonly unmasking = new Map<string, UnmaskingShares>();
  private readonly log: ClientMessage[] = [];
  private rosterSent: Roster | undefined;
  private survivorList: string[] | undefined;

  constructor(private readonly options: SecAggServerOptions) {
    if (!Number.isInteger(options.threshold) || options.threshold < 2) {
      throw new GeoFedError(`secure aggregation: threshold must be an integer of at least 2, got ${options.threshold}`);
    }
  }

  received(): readonly ClientMessage[] {
    return this.log;
  }

  receiveAdvertisement(message: KeyAdvertisement): void {
    if (this.rosterSent) throw new GeoFedError(`secure aggregation: ${message.from} advertised keys after the roster was sent`);
    this.accept(this.advertised, message);
  }

  roster(): Roster {
    this.requireAtLeast(this.advertised.size, 'advertised keys');
    this.rosterSent ??= { round: this.options.round, threshold: this.options.threshold, clients: [...this.advertised.values()] };
    return this.rosterSent;
  }

  receiveSharedKeys(message: SharedKeys): void {
    if (!this.rosterSent?.clients.some((c) => c.from === message.from)) {
      throw new GeoFedError(`secure aggregation: shares from ${message.from}, who is not on the roster`);
    }
    if (this.maskedInputs.size > 0) throw new GeoFedError(`secure aggregation: shares from ${message.from} arrived after masking began`);
    for (const e of message.envelopes) {
      if (e.from !== message.from) throw new GeoFedError(`secure aggregation: ${message.from} sent a share claiming to be from ${e.from}`);
    }
    this.accept(this.sharedKeys, message);
  }

  /** The sealed shares addressed to `clientId` from every client that completed key sharing. */
  envelopesFor(clientId: string): SealedShare[] {
    this.requireAtLeast(this.sharedKeys.size, 'shared keys');
    return [...this.sharedKeys.values()].flatMap((m) => m.envelopes.filter((e) => e.to === clientId));
  }

  receiveMaskedInput(message: MaskedInput): void {
    if (!this.sharedKeys.has(message.from)) throw new GeoFedError(`secure aggregation: masked input from ${message.from}, who did not share keys`);
    if (this.survivorList) throw new GeoFedError(`secure aggregation: masked input from ${message.from} arrived after the survivors were fixed`);
    if (message.masked.length !== this.options.vectorLength) {
      throw new GeoFedError(`secure aggregation: masked input from ${message.from} has ${message.masked.length} words, expected ${this.options.vectorLength}`);
    }
    this.accept(this.maskedInputs, message);
  }

  /** Fixes U3, the clients whose masked input arrived; asked once, the answer does not change. */
  survivors(): readonly string[] {
    this.requireAtLeast(this.maskedInputs.size, 'masked inputs');
    this.survivorList ??= [...this.maskedInputs.keys()];
    return this.survivorList;
  }

  receiveUnmaskingShares(message: UnmaskingShares): void {
    if (!this.survivorList?.includes(message.from)) {
      throw new GeoFedError(`secure aggregation: unmasking shares from ${message.from}, who is not a survivor`);
    }
    this.accept(this.unmasking, message);
  }

  async sum(): Promise<SecureSum> {
    const survivors = this.survivors();
    this.requireAtLeast(this.unmasking.size, 'unmasking answers');
    const total = new Uint32Array(this.options.vectorLength);
    for (const id of survivors) addInto(total, this.maskedInputs.get(id)!.masked);

    for (const id of survivors) {
      const seed = await this.reconstruct(id, (m) => m.selfMaskSeeds);
      subtractInto(total, expandMask(seed, total.length));
    }
    const alive = new Set(survivors);
    const dropped = [...this.sharedKeys.keys()].filter((id) => !alive.has(id));
    for (const gone of dropped) {
      const maskSecretKey = await this.reconstruct(gone, (m) => m.maskKeys);
      for (const id of survivors) {
        const peerKey = this.advertised.get(id)!.maskKey;
        const mask = expandMask(agreeKey(maskSecretKey, peerKey, `${this.options.round}/mask`), total.length);
        // Survivor `id` applied maskSign(id, gone) * mask; take exactly that back out.
        if (maskSign(id, gone) > 0) subtractInto(total, mask);
        else addInto(total, mask);
      }
    }
    return { sum: total, survivors };
  }

  private async reconstruct(owner: string, pick: (m: UnmaskingShares) => readonly { of: string; share: Uint8Array }[]): Promise<Uint8Array> {
    const shares = [...this.unmasking.values()].flatMap((m) => pick(m).filter((s) => s.of === owner).map((s) => s.share));
    if (shares.length < this.options.threshold) {
      throw new GeoFedError(`secure aggregation: only ${shares.length} shares of ${owner}'s secret arrived, the threshold is ${this.options.threshold}`);
    }
    return combineShares(shares);
  }

  private accept<M extends ClientMessage>(into: Map<string, M>, message: M): void {
    if (into.has(message.from)) throw new GeoFedError(`secure aggregation: ${message.from} sent the same step twice`);
    into.set(message.from, message);
    this.log.push(message);
  }

  private requireAtLeast(count: number, what: string): void {
    if (count < this.options.threshold) {
      throw new GeoFedError(`secure aggregation: ${count} clients ${what}, fewer than the threshold ${this.options.threshold}`, {
        remedy: 'lower secureAggregation.threshold or wait for more clients',
      });
    }
  }
}
