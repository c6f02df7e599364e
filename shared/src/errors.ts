/**
 * An error meant for the person running GeoFed: one line that says what is wrong and, where we know it,
 * what to do about it. The CLI prints these without a stack trace and exits non-zero.
 */
export class GeoFedError extends Error {
  readonly remedy: string | undefined;
  readonly code: string;

  constructor(message: string, options: { remedy?: string; code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GeoFedError';
    this.remedy = options.remedy;
    this.code = options.code ?? 'GEOFED_ERROR';
  }

  /** The single line shown to the user. */
  describe(): string {
    return this.remedy ? `${this.message} — ${this.remedy}` : this.message;
  }
}

export function isGeoFedError(e: unknown): e is GeoFedError {
  return e instanceof GeoFedError;
}
