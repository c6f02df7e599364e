/**
 * Gradient descent on a set of unit vectors (count x dim, one vector per row) with re-normalisation after
 * every step and a self-tuning step size: a step that raises the loss is undone and the step halved, an
 * accepted one grows it a little. Deterministic (no randomness), so a seed fully fixes the result.
 */
export interface SphereObjective {
  /** Fills `grad` (same layout as the vectors) and returns the loss and whether the goal is met. */
  (vectors: Float64Array, grad: Float64Array): { loss: number; done: boolean };
}

export interface SphereDescentOptions {
  readonly maxSteps: number;
  readonly initialStep: number;
  /** Entries whose mask is 0 stay exactly 0 (sparse-ETF keeps its sparsity pattern). */
  readonly mask?: Uint8Array;
}

const SMALLEST_STEP = 1e-10;

export function normalizeRows(v: Float64Array, count: number, dim: number): void {
  for (let r = 0; r < count; r++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += v[r * dim + j]! ** 2;
    if (s === 0) continue;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < dim; j++) v[r * dim + j]! *= inv;
  }
}

/** Improves `vectors` in place; returns the number of accepted steps, the final loss and whether it is done. */
export function descendOnSphere(
  vectors: Float64Array,
  count: number,
  dim: number,
  objective: SphereObjective,
  options: SphereDescentOptions,
): { steps: number; loss: number; done: boolean } {
  let grad = new Float64Array(vectors.length);
  let candidateGrad = new Float64Array(vectors.length);
  const candidate = new Float64Array(vectors.length);
  let current = objective(vectors, grad);
  let step = options.initialStep;
  let steps = 0;
  while (!current.done && steps < options.maxSteps && step > SMALLEST_STEP) {
    for (let i = 0; i < vectors.length; i++) {
      candidate[i] = options.mask && options.mask[i] === 0 ? 0 : vectors[i]! - step * grad[i]!;
    }
    normalizeRows(candidate, count, dim);
    const next = objective(candidate, candidateGrad);
    if (next.loss <= current.loss || next.done) {
      vectors.set(candidate);
      [grad, candidateGrad] = [candidateGrad, grad];
      current = next;
      step *= 1.2;
      steps++;
    } else {
      step *= 0.5;
    }
  }
  return { steps, loss: current.loss, done: current.done };
}

/** Gram matrix V V^T of the rows of V (count x dim). */
export function rowGram(v: Float64Array, count: number, dim: number): Float64Array {
  const g = new Float64Array(count * count);
  for (let i = 0; i < count; i++) {
    for (let j = i; j < count; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += v[i * dim + k]! * v[j * dim + k]!;
      g[i * count + j] = s;
      g[j * count + i] = s;
    }
  }
  return g;
}

/** grad_i = sum_j w_ij v_j for a symmetric weight matrix w with zero diagonal. */
export function weightedRowSums(w: Float64Array, v: Float64Array, count: number, dim: number, out: Float64Array): void {
  out.fill(0);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < count; j++) {
      const wij = w[i * count + j]!;
      if (wij === 0) continue;
      for (let k = 0; k < dim; k++) out[i * dim + k]! += wij * v[j * dim + k]!;
    }
  }
}
