/**
 * Times the symmetric eigen-solver on covariance-like matrices with a known spectrum, as the geometry service
 * uses it (one decomposition per class per snapshot). Prints a table; no pass/fail.
 * Usage: npm run bench:eigen [-- 64 200 512]
 */
import { symmetricEigen } from '@geofed/shared/math/eigen';
import { matmul, orthonormalColumns, transpose } from '@geofed/shared/math/linalg';
import { Rng } from '@geofed/shared/math/rng';

const REPEATS = 3;
const dims = process.argv.slice(2).map(Number);

function knownSpectrum(n: number, rng: Rng): { a: Float64Array; lambda: number[] } {
  const q = orthonormalColumns(Float64Array.from({ length: n * n }, () => rng.normal()), n, n);
  // A decaying spectrum with an exactly zero tail, like the covariance of low-rank embeddings.
  const lambda = Array.from({ length: n }, (_, i) => (i < (3 * n) / 4 ? Math.exp(-i / 20) : 0));
  const qd = Float64Array.from(q, (v, idx) => v * lambda[idx % n]!);
  return { a: matmul(qd, transpose(q, n, n), n, n, n), lambda };
}

const rows: string[][] = [['d', 'median ms', 'min ms', 'max |lambda error|', 'max |Av - lambda v|']];
for (const n of dims.length > 0 ? dims : [200, 512]) {
  const { a, lambda } = knownSpectrum(n, new Rng(n));
  const times: number[] = [];
  let result = symmetricEigen(a, n);
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    result = symmetricEigen(a, n);
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  const sorted = [...lambda].sort((x, y) => y - x);
  const valueError = Math.max(...sorted.map((l, m) => Math.abs(result.values[m]! - l)));
  const av = matmul(result.vectors, a, n, n, n); // row m = (A v_m)^T since A is symmetric
  let residual = 0;
  for (let m = 0; m < n; m++) {
    for (let i = 0; i < n; i++) residual = Math.max(residual, Math.abs(av[m * n + i]! - result.values[m]! * result.vectors[m * n + i]!));
  }
  rows.push([String(n), times[REPEATS >> 1]!.toFixed(0), times[0]!.toFixed(0), valueError.toExponential(1), residual.toExponential(1)]);
}

const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c]!)).join('  '));
