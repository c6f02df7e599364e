import type { GeometrySnapshot } from '@geofed/shared/geometry/snapshot';
import type { Rng } from '@geofed/shared/math/rng';
import { sampleAround } from './sampleAround.ts';

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

export interface SynthesisResult {
  /** m x dim row-major synthetic embeddings (real ones are not included). */
  readonly z: Float32Array;
  readonly labels: Int32Array;
  readonly summary: SynthesisSummary;
}

/**
 * GGEUR-style balancing (design.md section 5): every class in the snapshot is topped up to the target with
 * draws shaped by the global covariance, around the client's own embeddings of that class (cycling through
 * them in a random order, so each is used as evenly as possible) or, when it has none, around the global
 * prototype.
 */
export function synthesizeForClient(request: SynthesisRequest): SynthesisResult {
  const { realZ, realLabels, snapshot, rng } = request;
  const d = snapshot.dim;
  const n = realLabels.length;
  if (realZ.length !== n * d) {
    throw new Error(`synthesizeForClient: realZ has ${realZ.length} values, expected ${n} x ${d} (snapshot dim)`);
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
  if (!Number.isInteger(target) || target < 0) throw new Error(`synthesizeForClient: target ${target} is not a count`);

  const chunks: Array<{ z: Float32Array; label: number }> = [];
  const classes: ClassSynthesis[] = [];
  for (const geometry of snapshot.classes) {
    const rows = rowsByLabel.get(geometry.label) ?? [];
    const need = Math.max(0, target - rows.length);
    if (need === 0) {
      classes.push({ label: geometry.label, real: rows.length, synthetic: 0, around: 'none' });
      continue;
    }
    const opts = { includeResidual: request.includeResidual };
    if (rows.length === 0) {
      chunks.push({ z: sampleAround(geometry.prototype, geometry, need, rng, opts), label: geometry.label });
    } else {
      const order = rng.shuffle([...rows]);
      order.forEach((row, i) => {
        const draws = Math.floor(need / order.length) + (i < need % order.length ? 1 : 0);
        if (draws === 0) return;
        const center = realZ.subarray(row * d, (row + 1) * d);
        chunks.push({ z: sampleAround(center, geometry, draws, rng, opts), label: geometry.label });
      });
    }
    classes.push({ label: geometry.label, real: rows.length, synthetic: need, around: rows.length ? 'real' : 'prototype' });
  }

  const inSnapshot = new Set(snapshot.classes.map((c) => c.label));
  const wanted = new Set(rowsByLabel.keys());
  for (let c = 0; c < (request.numClasses ?? 0); c++) wanted.add(c);
  const missingFromSnapshot = [...wanted].filter((l) => !inSnapshot.has(l)).sort((a, b) => a - b);

  const total = chunks.reduce((sum, c) => sum + c.z.length / d, 0);
  const z = new Float32Array(total * d);
  const labels = new Int32Array(total);
  let row = 0;
  for (const chunk of chunks) {
    z.set(chunk.z, row * d);
    labels.fill(chunk.label, row, row + chunk.z.length / d);
    row += chunk.z.length / d;
  }
  return { z, labels, summary: { target, classes, missingFromSnapshot } };
}
