/**
 * Per-sample L2 clipping: every row of z (n x dim) scaled down to norm at most `clipNorm`. It bounds what one
 * sample can add to the class statistics (1 to a count, clipNorm to a sum, clipNorm^2 to a second moment), which
 * both the differential-privacy noise and the fixed-point range of secure aggregation are calibrated to.
 */
export function clipRows(z: Float32Array, dim: number, clipNorm: number): Float32Array {
  if (!(clipNorm > 0)) throw new Error(`clipRows: clipNorm must be positive, got ${clipNorm}`);
  const out = Float32Array.from(z);
  // Float32 rounding may leave a clipped row a hair above clipNorm; aiming slightly low keeps the bound strict.
  const target = clipNorm * (1 - 1e-6);
  for (let base = 0; base < out.length; base += dim) {
    let sq = 0;
    for (let i = 0; i < dim; i++) sq += out[base + i]! ** 2;
    const norm = Math.sqrt(sq);
    if (norm <= target) continue;
    const scale = target / norm;
    for (let i = 0; i < dim; i++) out[base + i] = out[base + i]! * scale;
  }
  return out;
}
