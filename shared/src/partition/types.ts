/**
 * A fixed per-client input transform that makes each client its own domain (feature skew on one base data set).
 * Neutral values (0, 0, false, 1) leave the input unchanged.
 */
export interface DomainTransform {
  /** Rotation about the image centre in degrees, positive = clockwise as displayed (row 0 on top); images only. */
  readonly rotationDeg: number;
  /** Standard deviation of additive Gaussian noise. */
  readonly noiseStd: number;
  /** x -> 1 - x for images in [0, 1], x -> -x for vectors. */
  readonly invert: boolean;
  /** Scales each sample's deviation from its own mean; < 1 lowers contrast. */
  readonly contrast: number;
  /** Seeds the noise when the caller brings no random stream. */
  readonly seed: number;
}

export interface Partition {
  readonly scheme: string;
  /** Training-set indices held by each client. */
  readonly clients: Int32Array[];
  /** One per client, domain scheme only. */
  readonly transforms?: DomainTransform[];
}
