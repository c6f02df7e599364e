import { median } from '@geofed/shared/math/median';
import { cloneWeights, type WeightList } from '@geofed/shared/tensor/weights';
import type { ClientUpdate, Verdict } from './types.ts';

/**
 * How the FedAvg family bounds one client's pull on the mean (issue #16: one update scaled x100 out of four took
 * FedAvg from 0.80 to 0.56 accuracy).
 * - `maxRelative`: refuse an update whose norm ||w_k - w|| exceeds maxRelative times the median norm of the
 *   round's updates. The first `warmup` updates of a round are held until there are enough norms for a median
 *   that one bad client cannot set, then judged together; later ones are judged on arrival.
 * - `clip`: scale every update down to norm <= clip (a fixed bound, as DP-FedAvg uses).
 * - `'off'`: plain FedAvg.
 */
export type NormBoundSpec = { readonly maxRelative: number; readonly warmup: number } | { readonly clip: number } | 'off';

export const DEFAULT_NORM_BOUND = { maxRelative: 5, warmup: 3 } as const satisfies NormBoundSpec;

/** ||weights - global|| in float64. */
export function updateNorm(weights: WeightList, global: WeightList): number {
  let sum = 0;
  for (let i = 0; i < global.length; i++) {
    const w = weights[i]!;
    const g = global[i]!;
    for (let j = 0; j < g.length; j++) {
      const d = w[j]! - g[j]!;
      sum += d * d;
    }
  }
  return Math.sqrt(sum);
}

/** global + factor (weights - global), as fresh float32 tensors (the client's arrays are left alone). */
function shrinkTowards(weights: WeightList, global: WeightList, factor: number): WeightList {
  return global.map((g, i) => {
    const w = weights[i]!;
    const out = new Float32Array(g.length);
    for (let j = 0; j < g.length; j++) out[j] = g[j]! + factor * (w[j]! - g[j]!);
    return out;
  });
}

interface Held {
  readonly update: ClientUpdate;
  readonly norm: number;
}

/**
 * One round's norm bound in front of a running sum: `fold` receives each update that passes (clipped where the
 * spec says so), in arrival order, so honest rounds sum exactly as without the bound. Memory: the norms seen
 * (one number per update) and at most `warmup` held model copies.
 */
export class NormGate {
  private readonly norms: number[] = [];
  // Updates waiting for the warm-up to fill; undefined once it has.
  private held: Held[] | undefined = [];

  constructor(
    private readonly spec: NormBoundSpec,
    private readonly global: WeightList,
    private readonly fold: (update: ClientUpdate) => void,
  ) {}

  /** Judges (or holds) a validated update; returns the verdicts this call settles, in arrival order. */
  admit(update: ClientUpdate): Verdict[] {
    const spec = this.spec;
    if (spec === 'off') return [this.pass(update)];
    const norm = updateNorm(update.weights, this.global);
    if ('clip' in spec) {
      if (norm <= spec.clip) return [this.pass(update)];
      this.fold({ ...update, weights: shrinkTowards(update.weights, this.global, spec.clip / norm) });
      return [{ clientId: update.clientId, accepted: true, note: `update norm ${norm.toPrecision(4)} clipped to strategy.normBound.clip = ${spec.clip}` }];
    }
    this.norms.push(norm);
    if (this.held === undefined) return [this.judge(update, norm, spec.maxRelative)];
    // A copy: the caller may reuse its buffers once add() returns.
    this.held.push({ update: { ...update, weights: cloneWeights(update.weights) }, norm });
    return this.held.length >= spec.warmup ? this.release(spec.maxRelative) : [];
  }

  /** Settles what is still held (a round with fewer updates than the warm-up); call once no more will come. */
  flush(): Verdict[] {
    const spec = this.spec;
    if (spec === 'off' || 'clip' in spec || this.held === undefined) return [];
    return this.release(spec.maxRelative);
  }

  private release(maxRelative: number): Verdict[] {
    const held = this.held ?? [];
    this.held = undefined;
    return held.map(({ update, norm }) => this.judge(update, norm, maxRelative));
  }

  private judge(update: ClientUpdate, norm: number, maxRelative: number): Verdict {
    const reference = median(this.norms);
    if (norm <= maxRelative * reference) return this.pass(update);
    return {
      clientId: update.clientId,
      accepted: false,
      reason:
        `update from client "${update.clientId}" refused: its norm ||w - w_global|| = ${norm.toPrecision(4)} is ` +
        `${(norm / reference).toPrecision(3)} times the round's median update norm ${reference.toPrecision(4)}, above ` +
        `strategy.normBound.maxRelative = ${maxRelative} (raise it, or set strategy.normBound=off, if honest clients trip it)`,
    };
  }

  private pass(update: ClientUpdate): Verdict {
    this.fold(update);
    return { clientId: update.clientId, accepted: true };
  }
}
