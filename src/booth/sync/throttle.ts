import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { TokenBucket } from '../../core/token-bucket.js';

const CHUNK_BYTES = 64 * 1024;

/**
 * A bandwidth cap shared by every upload of the booth (one bucket for all lanes), so parallel
 * uploads together stay under `bytesPerSec`.
 */
export class Throttle {
  private readonly bucket: TokenBucket;

  constructor(readonly bytesPerSec: number) {
    this.bucket = new TokenBucket(bytesPerSec, Date.now());
  }

  /** A request body that releases `bytes` no faster than the cap, in 64 KiB chunks. */
  body(bytes: Uint8Array, signal?: AbortSignal): Readable {
    const bucket = this.bucket;
    return Readable.from(
      (async function* () {
        for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
          const chunk = bytes.subarray(offset, Math.min(bytes.length, offset + CHUNK_BYTES));
          const wait = bucket.take(chunk.length, Date.now());
          if (wait > 0) await sleep(wait, undefined, { signal });
          yield chunk;
        }
      })(),
      { objectMode: false },
    );
  }
}
