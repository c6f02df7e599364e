/**
 * The little dense linear algebra GeoFed needs, on flat row-major arrays with explicit dimensions.
 * Everything computes in float64; inputs may be Float32Array or Float64Array.
 */
export type Vec = Float64Array | Float32Array;

export function dot(a: Vec, b: Vec): number {
  if (a.length !== b.length) throw new Error(`dot: lengths differ (${a.length} vs ${b.length})`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function norm(a: Vec): number {
  return Math.sqrt(dot(a, a));
}

/** Cosine of the angle between a and b; 0 when either is the zero vector (no direction to compare). */
export function cosine(a: Vec, b: Vec): number {
  const na = norm(a);
  const nb = norm(b);
  return na === 0 || nb === 0 ? 0 : dot(a, b) / (na * nb);
}

/** C = A B with A (m x k) and B (k x n). */
export function matmul(a: Vec, b: Vec, m: number, k: number, n: number): Float64Array {
  if (a.length !== m * k) throw new Error(`matmul: A has ${a.length} values, expected ${m}x${k}`);
  if (b.length !== k * n) throw new Error(`matmul: B has ${b.length} values, expected ${k}x${n}`);
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p]!;
      if (aip === 0) continue;
      const bp = p * n;
      for (let j = 0; j < n; j++) c[ci + j]! += aip * b[bp + j]!;
    }
  }
  return c;
}

export function transpose(a: Vec, rows: number, cols: number): Float64Array {
  if (a.length !== rows * cols) throw new Error(`transpose: ${a.length} values, expected ${rows}x${cols}`);
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j]!;
  return t;
}

/** A^T A for A (rows x cols): the Gram matrix of A's columns (cols x cols). */
export function gramOfColumns(a: Vec, rows: number, cols: number): Float64Array {
  return matmul(transpose(a, rows, cols), a, cols, rows, cols);
}

export function columnNorms(a: Vec, rows: number, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j]! += a[i * cols + j]! ** 2;
  for (let j = 0; j < cols; j++) out[j] = Math.sqrt(out[j]!);
  return out;
}

/**
 * Thin Q of the Householder QR of A (rows x cols, rows >= cols): a rows x cols matrix with orthonormal
 * columns spanning A's columns. Signs are fixed so that R has a non-negative diagonal, which makes Q a
 * function of A alone (and Haar-distributed when A is Gaussian).
 */
export function orthonormalColumns(a: Vec, rows: number, cols: number): Float64Array {
  if (a.length !== rows * cols) throw new Error(`QR: ${a.length} values, expected ${rows}x${cols}`);
  if (rows < cols) throw new Error(`QR: need rows >= cols for orthonormal columns, got ${rows}x${cols}`);
  const r = Float64Array.from(a);
  const vs: Float64Array[] = [];
  const diagSign = new Float64Array(cols);
  for (let k = 0; k < cols; k++) {
    let alpha = 0;
    for (let i = k; i < rows; i++) alpha += r[i * cols + k]! ** 2;
    alpha = Math.sqrt(alpha);
    const x0 = r[k * cols + k]!;
    // Reflect x onto -sign(x0)|x| e_k so that v never cancels.
    const beta = x0 >= 0 ? -alpha : alpha;
    const v = new Float64Array(rows - k);
    for (let i = k; i < rows; i++) v[i - k] = r[i * cols + k]!;
    v[0]! -= beta;
    const vv = dot(v, v);
    vs.push(v);
    if (vv === 0) {
      diagSign[k] = 1;
      continue;
    }
    for (let j = k; j < cols; j++) {
      let s = 0;
      for (let i = k; i < rows; i++) s += v[i - k]! * r[i * cols + j]!;
      const f = (2 * s) / vv;
      for (let i = k; i < rows; i++) r[i * cols + j]! -= f * v[i - k]!;
    }
    diagSign[k] = r[k * cols + k]! < 0 ? -1 : 1;
  }
  // Q = H_0 H_1 ... H_{cols-1} applied to the first cols columns of the identity.
  const q = new Float64Array(rows * cols);
  for (let j = 0; j < cols; j++) q[j * cols + j] = 1;
  for (let k = cols - 1; k >= 0; k--) {
    const v = vs[k]!;
    const vv = dot(v, v);
    if (vv === 0) continue;
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let i = k; i < rows; i++) s += v[i - k]! * q[i * cols + j]!;
      const f = (2 * s) / vv;
      for (let i = k; i < rows; i++) q[i * cols + j]! -= f * v[i - k]!;
    }
  }
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) q[i * cols + j]! *= diagSign[j]!;
  return q;
}

