import { GeoFedError } from '../errors.ts';
import { Rng } from '../math/rng.ts';
import type { DomainKind } from './spec.ts';
import type { DomainTransform } from './types.ts';

export interface DomainOptions {
  readonly kinds: readonly DomainKind[];
  readonly maxRotationDeg: number;
  readonly maxNoiseStd: number;
  readonly minContrast: number;
}

/**
 * One transform per client. Each active kind takes C evenly spaced levels handed out in a seeded random order,
 * so clients differ from each other by construction rather than by luck (half the clients are inverted).
 */
export function domainTransforms(clients: number, options: DomainOptions, rng: Rng): DomainTransform[] {
  const active = new Set(options.kinds);
  const level = (): Float64Array => {
    const order = rng.permutation(clients);
    return Float64Array.from(order, (r) => (r + 0.5) / clients);
  };
  const rotation = level();
  const noise = level();
  const invert = level();
  const contrast = level();
  return Array.from({ length: clients }, (_, k) => ({
    rotationDeg: active.has('rotation') ? options.maxRotationDeg * (2 * rotation[k]! - 1) : 0,
    noiseStd: active.has('noise') ? options.maxNoiseStd * noise[k]! : 0,
    invert: active.has('invert') ? invert[k]! < 0.5 : false,
    contrast: active.has('contrast') ? 1 - (1 - options.minContrast) * contrast[k]! : 1,
    seed: rng.nextUint32(),
  }));
}

/** Bilinear rotation of one [h, w, c] image about its centre; pixels from outside the image are 0. */
function rotateImage(src: Float32Array, dst: Float32Array, h: number, w: number, ch: number, degrees: number): void {
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  const at = (y: number, x: number, c: number): number =>
    y >= 0 && y < h && x >= 0 && x < w ? src[(y * w + x) * ch + c]! : 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Inverse mapping: where in the source does this output pixel come from.
      const sx = cos * (x - cx) + sin * (y - cy) + cx;
      const sy = -sin * (x - cx) + cos * (y - cy) + cy;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let c = 0; c < ch; c++) {
        dst[(y * w + x) * ch + c] =
          (1 - fy) * ((1 - fx) * at(y0, x0, c) + fx * at(y0, x0 + 1, c)) +
          fy * ((1 - fx) * at(y0 + 1, x0, c) + fx * at(y0 + 1, x0 + 1, c));
      }
    }
  }
}

/** Fails early, before any training, when the transforms cannot apply to samples of this shape. */
export function checkTransforms(transforms: readonly DomainTransform[], inputShape: readonly number[]): void {
  if (inputShape.length !== 3 && transforms.some((t) => t.rotationDeg !== 0)) {
    throw new GeoFedError(`domain rotation needs image inputs [h, w, c], got [${inputShape.join(', ')}]`, {
      remedy: 'leave rotation out of the domain kinds for vector data (kinds: [noise, invert, contrast])',
      code: 'BAD_CONFIG',
    });
  }
}

/** Noise streams of transforms applied without an explicit Rng, so each call draws fresh noise. */
const noiseStreams = new WeakMap<DomainTransform, Rng>();

function noiseStream(transform: DomainTransform): Rng {
  let rng = noiseStreams.get(transform);
  if (!rng) {
    rng = new Rng(transform.seed);
    noiseStreams.set(transform, rng);
  }
  return rng;
}

/**
 * Applies a client's transform in place to a batch of samples (row-major, `inputShape` per sample), in the order
 * rotate, invert, contrast, noise. Noise comes from `rng` if given, else from a stream seeded by the transform's
 * seed that belongs to this transform object and advances with every call (fresh noise per batch, reproducible
 * for the same sequence of calls).
 */
export function applyTransform(
  transform: DomainTransform,
  x: Float32Array,
  inputShape: readonly number[],
  rng?: Rng,
): Float32Array {
  const size = inputShape.reduce((a, b) => a * b, 1);
  if (x.length % size !== 0) {
    throw new Error(`batch of ${x.length} values is not a whole number of [${inputShape.join(', ')}] samples`);
  }
  checkTransforms([transform], inputShape);
  const isImage = inputShape.length === 3;
  const scratch = new Float32Array(size);
  for (let start = 0; start < x.length; start += size) {
    const sample = x.subarray(start, start + size);
    if (transform.rotationDeg !== 0) {
      rotateImage(sample, scratch, inputShape[0]!, inputShape[1]!, inputShape[2]!, transform.rotationDeg);
      sample.set(scratch);
    }
    if (transform.invert) for (let i = 0; i < size; i++) sample[i] = isImage ? 1 - sample[i]! : -sample[i]!;
    if (transform.contrast !== 1) {
      let mean = 0;
      for (let i = 0; i < size; i++) mean += sample[i]!;
      mean /= size;
      for (let i = 0; i < size; i++) sample[i] = mean + transform.contrast * (sample[i]! - mean);
    }
    if (transform.noiseStd > 0) {
      const noise = rng ?? noiseStream(transform);
      for (let i = 0; i < size; i++) sample[i]! += transform.noiseStd * noise.normal();
    }
  }
  return x;
}
