/**
 * Model weights as GeoFed moves them around: an ordered list of flat float32 arrays, in the order of
 * `model.getWeights()`. Names and shapes travel separately (WeightSpec) because strategies never need them.
 */
export type WeightList = Float32Array[];

export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function cloneWeights(w: WeightList): WeightList {
  return w.map((t) => new Float32Array(t));
}

export function zerosLike(w: WeightList): WeightList {
  return w.map((t) => new Float32Array(t.length));
}

export function parameterCount(w: WeightList): number {
  return w.reduce((n, t) => n + t.length, 0);
}

export function weightBytes(w: WeightList): number {
  return parameterCount(w) * 4;
}

/** Throws a message naming the first tensor whose size differs from the spec. */
export function assertMatchesSpec(w: WeightList, spec: readonly WeightSpec[], what = 'weights'): void {
  if (w.length !== spec.length) {
    throw new Error(`${what}: expected ${spec.length} tensors, got ${w.length}`);
  }
  for (let i = 0; i < spec.length; i++) {
    const expected = sizeOf(spec[i]!.shape);
    if (w[i]!.length !== expected) {
      throw new Error(
        `${what}: tensor ${spec[i]!.name} should have shape [${spec[i]!.shape.join(', ')}] (${expected} values), got ${w[i]!.length}`,
      );
    }
  }
}
