/**
 * Per-class sufficient statistics of embeddings: count n_c, sum s_c = sum z and S_c = sum z z^T (design.md
 * section 4). Sums add exactly, so pooling the statistics of many clients gives the same mean and covariance
 * as computing them on the union of their embeddings. Everything accumulates in float64.
 */

export interface ClassStats {
  readonly label: number;
  count: number;
  /** length dim */
  readonly sum: Float64Array;
  /** dim x dim row-major, symmetric */
  readonly outer: Float64Array;
}

export interface EmbeddingStats {
  readonly numClasses: number;
  readonly dim: number;
  /** Only classes with at least one sample, sorted by label, labels unique. */
  classes: ClassStats[];
}

export type StatsValidation = { ok: true; stats: EmbeddingStats } | { ok: false; reason: string };

export function createStats(numClasses: number, dim: number): EmbeddingStats {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`numClasses must be a positive integer, got ${numClasses}`);
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`dim must be a positive integer, got ${dim}`);
  return { numClasses, dim, classes: [] };
}

/**
 * Adds the rows of z (n x dim, row-major) to `stats`, in place; returns `stats`.
 * Only the upper triangle is accumulated per sample and mirrored once at the end, halving the work.
 */
export function accumulateStats(stats: EmbeddingStats, z: Float32Array, labels: ArrayLike<number>): EmbeddingStats {
  const { dim, numClasses } = stats;
  const n = labels.length;
  if (z.length !== n * dim) {
    throw new Error(`accumulateStats: z has ${z.length} values, expected ${n} x ${dim} for ${n} labels`);
  }
  const byLabel = new Map(stats.classes.map((c) => [c.label, c]));
  const touched = new Set<ClassStats>();
  const nz = new Int32Array(dim);
  for (let r = 0; r < n; r++) {
    const label = labels[r]!;
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new Error(`accumulateStats: label ${label} at row ${r} is outside [0, ${numClasses})`);
    }
    let entry = byLabel.get(label);
    if (!entry) {
      entry = { label, count: 0, sum: new Float64Array(dim), outer: new Float64Array(dim * dim) };
      byLabel.set(label, entry);
    }
    touched.add(entry);
    entry.count++;
    const base = r * dim;
    const { sum, outer } = entry;
    // ReLU embeddings are often half zeros: visiting only the non-zero pairs saves up to 4x here.
    let nonZero = 0;
    for (let i = 0; i < dim; i++) {
      const zi = z[base + i]!;
      sum[i]! += zi;
      if (zi !== 0) nz[nonZero++] = i;
    }
    for (let a = 0; a < nonZero; a++) {
      const i = nz[a]!;
      const zi = z[base + i]!;
      const row = i * dim;
      for (let b = a; b < nonZero; b++) {
        const j = nz[b]!;
        outer[row + j]! += zi * z[base + j]!;
      }
    }
  }
  for (const entry of touched) mirrorUpper(entry.outer, dim);
  stats.classes = [...byLabel.values()].sort((a, b) => a.label - b.label);
  return stats;
}

/** Per-class sums of both; neither input is modified. */
export function mergeStats(a: EmbeddingStats, b: EmbeddingStats): EmbeddingStats {
  if (a.dim !== b.dim || a.numClasses !== b.numClasses) {
    throw new Error(`mergeStats: shapes differ (${a.numClasses} classes x ${a.dim} vs ${b.numClasses} x ${b.dim})`);
  }
  const merged = new Map<number, ClassStats>();
  for (const c of [...a.classes, ...b.classes]) {
    const existing = merged.get(c.label);
    if (!existing) {
      merged.set(c.label, { label: c.label, count: c.count, sum: Float64Array.from(c.sum), outer: Float64Array.from(c.outer) });
      continue;
    }
    existing.count += c.count;
    for (let i = 0; i < c.sum.length; i++) existing.sum[i]! += c.sum[i]!;
    for (let i = 0; i < c.outer.length; i++) existing.outer[i]! += c.outer[i]!;
  }
  return { numClasses: a.numClasses, dim: a.dim, classes: [...merged.values()].sort((x, y) => x.label - y.label) };
}

export function cloneStats(s: EmbeddingStats): EmbeddingStats {
  return mergeStats(s, createStats(s.numClasses, s.dim));
}

/** Payload size as float64 sums plus a label and a count per class (what a client uploads). */
export function statsByteSize(s: EmbeddingStats): number {
  return s.classes.length * classStatsByteSize(s.dim);
}

/** One class's share of statsByteSize; numClasses times it bounds any client's upload. */
export function classStatsByteSize(dim: number): number {
  return 8 + 8 * (dim + dim * dim);
}

/** Relative slack for rounding in the symmetry and Cauchy–Schwarz checks. */
const ROUNDING_SLACK = 1e-9;

/**
 * Checks an untrusted statistics message before it may touch a pool: shape, integer non-negative counts,
 * finite values, symmetric S with a non-negative diagonal, and |s|^2 <= n trace(S) (Cauchy–Schwarz: the sum
 * of n vectors cannot be longer than sqrt(n) times the root of their summed squared norms).
 */
export function validateStats(msg: unknown, expected: { numClasses: number; dim: number }): StatsValidation {
  const fail = (reason: string): StatsValidation => ({ ok: false, reason });
  if (typeof msg !== 'object' || msg === null) return fail('statistics message is not an object');
  const m = msg as Partial<EmbeddingStats>;
  if (m.numClasses !== expected.numClasses) return fail(`numClasses is ${m.numClasses}, expected ${expected.numClasses}`);
  if (m.dim !== expected.dim) return fail(`dim is ${m.dim}, expected ${expected.dim}`);
  if (!Array.isArray(m.classes)) return fail('classes is not an array');
  const d = expected.dim;
  const seen = new Set<number>();
  for (const [index, raw] of m.classes.entries()) {
    if (typeof raw !== 'object' || raw === null) return fail(`classes[${index}] is not an object`);
    const c = raw as Partial<ClassStats>;
    const where = `class ${c.label}`;
    if (typeof c.label !== 'number' || !Number.isInteger(c.label) || c.label < 0 || c.label >= expected.numClasses) {
      return fail(`classes[${index}] has label ${c.label}, expected an integer in [0, ${expected.numClasses})`);
    }
    if (seen.has(c.label)) return fail(`${where} appears twice`);
    seen.add(c.label);
    if (typeof c.count !== 'number' || !Number.isInteger(c.count)) return fail(`${where}: count ${c.count} is not an integer`);
    if (c.count < 1) return fail(`${where}: count ${c.count} is below 1 (negative, or an empty class that should be omitted)`);
    if (!(c.sum instanceof Float64Array) || c.sum.length !== d) {
      return fail(`${where}: sum must be a Float64Array of length ${d}, got ${describeArray(c.sum)}`);
    }
    if (!(c.outer instanceof Float64Array) || c.outer.length !== d * d) {
      return fail(`${where}: outer must be a Float64Array of length ${d * d} (${d} x ${d}), got ${describeArray(c.outer)}`);
    }
    const badSum = c.sum.findIndex((v) => !Number.isFinite(v));
    if (badSum >= 0) return fail(`${where}: sum[${badSum}] is ${c.sum[badSum]} (not finite)`);
    const badOuter = c.outer.findIndex((v) => !Number.isFinite(v));
    if (badOuter >= 0) {
      return fail(`${where}: outer[${Math.floor(badOuter / d)}, ${badOuter % d}] is ${c.outer[badOuter]} (not finite)`);
    }
    const shapeProblem = outerProblem(c.outer, d);
    if (shapeProblem) return fail(`${where}: ${shapeProblem}`);
    let trace = 0;
    for (let i = 0; i < d; i++) trace += c.outer[i * d + i]!;
    let sumSq = 0;
    for (let i = 0; i < d; i++) sumSq += c.sum[i]! ** 2;
    if (sumSq > c.count * trace * (1 + ROUNDING_SLACK)) {
      return fail(`${where}: |sum|^2 = ${sumSq} exceeds count * trace(outer) = ${c.count * trace} (impossible for real embeddings)`);
    }
  }
  return { ok: true, stats: m as EmbeddingStats };
}

function outerProblem(outer: Float64Array, d: number): string | undefined {
  let maxDiag = 0;
  for (let i = 0; i < d; i++) {
    const v = outer[i * d + i]!;
    if (v < 0) return `outer[${i}, ${i}] = ${v} is negative (a sum of squares cannot be)`;
    maxDiag = Math.max(maxDiag, v);
  }
  const tolerance = ROUNDING_SLACK * maxDiag;
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const a = outer[i * d + j]!;
      const b = outer[j * d + i]!;
      if (Math.abs(a - b) > tolerance) return `outer is not symmetric: [${i}, ${j}] = ${a} but [${j}, ${i}] = ${b}`;
    }
  }
  return undefined;
}

function describeArray(v: unknown): string {
  if (ArrayBuffer.isView(v)) return `${v.constructor.name} of length ${(v as unknown as ArrayLike<number>).length}`;
  return v === undefined ? 'nothing' : typeof v;
}

function mirrorUpper(m: Float64Array, d: number): void {
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) m[j * d + i] = m[i * d + j]!;
}
