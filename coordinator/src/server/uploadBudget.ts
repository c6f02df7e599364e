import { WireError } from '@geofed/shared/wire/errors';

/**
 * Bounds the bytes of client uploads the coordinator holds at once, over all connections: a connection reserves
 * its transfer's size before the transfer's first chunk is acknowledged, and clients send the next chunk only
 * after the acknowledgement. So 50 clients uploading 40 MB each at the same moment queue up instead of landing
 * 2 GB in memory. Grants are first come, first served.
 */
export class UploadBudget {
  private used = 0;
  private readonly waiting: Array<{ bytes: number; grant: () => void }> = [];

  constructor(readonly capacity: number) {}

  get bytesInUse(): number {
    return this.used;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Resolves once `bytes` are reserved. A request larger than the whole budget is refused at once; an aborted
   * request leaves the queue and rejects with the signal's reason.
   */
  reserve(bytes: number, signal?: AbortSignal): Promise<void> {
    if (bytes > this.capacity) {
      return Promise.reject(
        new WireError('TOO_LARGE', `an upload of ${bytes} bytes exceeds the coordinator's upload budget of ${this.capacity} bytes`),
      );
    }
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.waiting.length === 0 && this.used + bytes <= this.capacity) {
      this.used += bytes;
      return Promise.resolve();
    }
    return new Promise((grant, refuse) => {
      const entry = {
        bytes,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          grant();
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        refuse(signal!.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
    while (this.waiting.length > 0 && this.used + this.waiting[0]!.bytes <= this.capacity) {
      const next = this.waiting.shift()!;
      this.used += next.bytes;
      next.grant();
    }
  }
}
