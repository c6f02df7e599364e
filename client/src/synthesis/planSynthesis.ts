import type { ClassGeometry, GeometrySnapshot } from '@geofed/shared/geometry/snapshot';
import type { Rng } from '@geofed/shared/math/rng';

export type ClassShape = Pick<ClassGeometry, 'eigenvalues' | 'eigenvectors' | 'residualVariance'>;

export interface SynthesisRequest {
  /** n x dim row-major real embeddings of this client. */
  readonly realZ: Float32Array;
  readonly realLabels: ArrayLike<number>;
  readonly snapshot: GeometrySnapshot;
  /** Count every class is filled up to; 'max' = the client's largest real class. */
  readonly targetPerClass: number | 'max';
  readonly rng: Rng;
  /** When given, classes in [0, numClasses) absent from the snapshot are listed as missing too. */
  readonly numClasses?: number;
  readonly includeResidual?: boolean;
}

export interface ClassSynthesis {
  readonly label: number;
  readonly real: number;
  readonly synthetic: number;
  /** Whether the draws were centred on the client's own embeddings or on the global prototype. */
  readonly around: 'real' | 'prototype' | 'none';
}

export interface SynthesisSummary {
  readonly target: number;
  readonly classes: ClassSynthesis[];
  /** Labels not synthesized because the snapshot has no geometry for them (withheld or never seen). */
  readonly missingFromSnapshot: number[];
}

/** One class's share of the pool: rows from `first` on, each drawn around one of `centres`, cycling. */
export interface PoolSlot {
  readonly label: number;
  readonly first: number;
  /** Shuffled real embeddings of the class, or its prototype when the client has none. */
  readonly centres: readonly Float32Array[];
  readonly shape: ClassShape;
}

/**
 * The balanced pool a client trains its head on, kept virtual: rows are drawn when training asks for them
 * (drawPoolRows), so the cost follows what training consumes and not the size of the pool (every class filled
 * to the largest one).
 */
export interface SynthesisPlan {
  readonly summary: SynthesisSummary;
  readonly dim: number;
  /** Rows in the pool (synthetic only; the real embeddings are not part of it). */
  readonly size: number;
  readonly slots: readonly PoolSlot[];
  /** Whether draws add the isotropic remainder outside the kept eigen-directions. */
  readonly includeResidual: boolean;
  /** The slot holding pool row `index`, and the centre that row is drawn around. */
  locate(index: number): { slot: number; centre: Float32Array };
}

/**
 * GGEUR-style balancing (design.md section 5): every class in the snapshot is topped up to the target with
 * draws shaped by the global covariance, around the client's own embeddings of that class (row j of a class
 * uses the j-th of them in a random order, cycling, so each is used as evenly as possible) or, when it has none,
 * around the global prototype.
 */
export function planSynthesis(request: SynthesisRequest): SynthesisPlan {
  const { realZ, realLabels, snapshot, rng } = request;
  const d = snapshot.dim;
  const n = realLabels.length;
  if (realZ.length !== n * d) {
    throw new Error(`synthesis: realZ has ${realZ.length} values, expected ${n} x ${d} (snapshot dim)`);
  }
  const rowsByLabel = new Map<number, number[]>();
  for (let r = 0; r < n; r++) {
    const label = realLabels[r]!;
    const rows = rowsByLabel.get(label);
    if (rows) rows.push(r);
    else rowsByLabel.set(label, [r]);
  }
  const target =
    request.targetPerClass === 'max' ? Math.max(0, ...[...rowsByLabel.values()].map((r) => r.length)) : request.targetPerClass;
  if (!Number.isInteger(target) || target < 0) throw new Error(`synthesis: target ${target} is not a count`);

  const slots: PoolSlot[] = [];
  const classes: ClassSynthesis[] = [];
  let size = 0;
  for (const geometry of snapshot.classes) {
    if (geometry.eigenvectors.length !== geometry.eigenvalues.length * d) {
      throw new Error(`synthesis: class ${geometry.label} has ${geometry.eigenvalues.length} eigenvalues but ${geometry.eigenvectors.length} eigenvector values (dim ${d})`);
    }
    const rows = rowsByLabel.get(geometry.label) ?? [];
    const need = Math.max(0, target - rows.length);
    classes.push({ label: geometry.label, real: rows.length, synthetic: need, around: need === 0 ? 'none' : rows.length ? 'real' : 'prototype' });
    if (need === 0) continue;
    const centres = rows.length === 0 ? [geometry.prototype] : rng.shuffle([...rows]).map((row) => realZ.subarray(row * d, (row + 1) * d));
    slots.push({ label: geometry.label, first: size, centres, shape: geometry });
    size += need;
  }

  const inSnapshot = new Set(snapshot.classes.map((c) => c.label));
  const wanted = new Set(rowsByLabel.keys());
  for (let c = 0; c < (request.numClasses ?? 0); c++) wanted.add(c);
  const missingFromSnapshot = [...wanted].filter((l) => !inSnapshot.has(l)).sort((a, b) => a - b);

  return {
    summary: { target, classes, missingFromSnapshot },
    dim: d,
    size,
    slots,
    includeResidual: request.includeResidual ?? true,
    locate(index) {
      if (!(Number.isInteger(index) && index >= 0 && index < size)) throw new Error(`synthesis pool row ${index} is outside [0, ${size})`);
      let lo = 0;
      let hi = slots.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (slots[mid]!.first <= index) lo = mid;
        else hi = mid - 1;
      }
      const slot = slots[lo]!;
      return { slot: lo, centre: slot.centres[(index - slot.first) % slot.centres.length]! };
    },
  };
}
