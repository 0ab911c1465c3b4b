/**
 * Reusable buffers on memory shared between threads (SharedArrayBuffer), for the large
 * short-lived buffers of the vault: a segment's plaintext while it is hashed and encrypted, and its
 * ciphertext until the sealed file is written.
 *
 * Why: a new buffer per segment is fresh memory each time, and the kernel has to find and zero
 * its pages (under a sandboxing kernel such as gVisor, on these build machines, about 3 ms of
 * system time per MB: more than all the crypto of that MB). Reused buffers are pages the process
 * already has.
 *
 * Capacities are rounded up to a multiple of 1 MiB, so segments of a similar size share buffers.
 * At most `maxKeptBytes` are kept while free; anything above goes to the garbage collector, as do
 * buffers larger than `maxBufferBytes`. A buffer must be given back only when nothing (no thread,
 * no pending I/O) uses it any more: a caller that cannot be sure (a worker that crashed while
 * writing into it) simply does not give it back.
 */
export interface BufferPoolOptions {
  /** Bytes kept in free buffers at most. Default 64 MiB. */
  maxKeptBytes?: number;
  /** Larger requests get a buffer of their own that is not kept. Default 64 MiB. */
  maxBufferBytes?: number;
}

const MIB = 1024 * 1024;

export class SharedBufferPool {
  private readonly free: SharedArrayBuffer[] = [];
  /**
   * Buffers handed out and not given back yet (a view's buffer is its identity). Weak: a buffer
   * its user lost is freed by the garbage collector, not held here forever.
   */
  private readonly lent = new WeakSet<SharedArrayBuffer>();
  private lentCount = 0;
  private keptBytes = 0;
  private readonly maxKept: number;
  private readonly maxBuffer: number;
  private reusedCount = 0;
  private allocatedCount = 0;

  constructor(opts: BufferPoolOptions = {}) {
    this.maxKept = opts.maxKeptBytes ?? 64 * MIB;
    this.maxBuffer = opts.maxBufferBytes ?? 64 * MIB;
  }

  /** A view of exactly `size` bytes (its contents are whatever was there before) on a shared buffer. */
  acquire(size: number): Uint8Array {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`buffer size must be a non-negative integer, not ${size}`);
    // The smallest free buffer that fits.
    let best = -1;
    for (const [i, b] of this.free.entries()) if (b.byteLength >= size && (best < 0 || b.byteLength < this.free[best]!.byteLength)) best = i;
    let buffer: SharedArrayBuffer;
    if (best >= 0) {
      buffer = this.free.splice(best, 1)[0]!;
      this.keptBytes -= buffer.byteLength;
      this.reusedCount++;
    } else {
      buffer = new SharedArrayBuffer(size > this.maxBuffer ? size : Math.max(MIB, Math.ceil(size / MIB) * MIB));
      this.allocatedCount++;
    }
    this.lent.add(buffer);
    this.lentCount++;
    return new Uint8Array(buffer, 0, size);
  }

  /**
   * Gives back a view that acquire() returned, once nothing uses it. Giving back anything else, or
   * the same buffer twice, throws (it would let two users share one buffer).
   */
  release(view: Uint8Array): void {
    const buffer = view.buffer;
    if (!(buffer instanceof SharedArrayBuffer) || !this.lent.delete(buffer)) throw new Error('this buffer is not lent by this pool (given back twice, or never acquired here)');
    this.lentCount--;
    if (buffer.byteLength > this.maxBuffer) return;
    this.free.push(buffer);
    this.keptBytes += buffer.byteLength;
    // Over the cap: the largest free buffers go first.
    while (this.keptBytes > this.maxKept && this.free.length > 0) {
      this.free.sort((a, b) => a.byteLength - b.byteLength);
      this.keptBytes -= this.free.pop()!.byteLength;
    }
  }

  /**
   * Forgets a lent view without keeping its buffer (the garbage collector frees it once nothing
   * refers to it): for a buffer something may still write into.
   */
  abandon(view: Uint8Array): void {
    if (view.buffer instanceof SharedArrayBuffer && this.lent.delete(view.buffer)) this.lentCount--;
  }

  /** `lent`: acquired and neither given back nor abandoned (a leak shows here). */
  get stats(): { lent: number; free: number; keptBytes: number; reused: number; allocated: number } {
    return { lent: this.lentCount, free: this.free.length, keptBytes: this.keptBytes, reused: this.reusedCount, allocated: this.allocatedCount };
  }
}

let shared: SharedBufferPool | null = null;

/** The process's pool (the sealers of all sessions share it). */
export function sharedBufferPool(): SharedBufferPool {
  shared ??= new SharedBufferPool();
  return shared;
}
