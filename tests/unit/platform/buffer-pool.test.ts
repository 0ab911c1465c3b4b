// SharedBufferPool: exact-size views on reused shared memory, a cap on what it keeps, and refusals
// that keep two users from ever sharing one buffer.
import { describe, expect, it } from 'vitest';
import { SharedBufferPool } from '../../../src/platform/buffer-pool.js';

const MIB = 1024 * 1024;

describe('shared buffer pool', () => {
  it('lends exact-size views on shared memory and reuses a given-back buffer that fits', () => {
    const pool = new SharedBufferPool();
    const a = pool.acquire(1000);
    expect(a.length).toBe(1000);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(a.buffer.byteLength).toBe(MIB);
    pool.release(a);
    const b = pool.acquire(MIB);
    expect(b.buffer).toBe(a.buffer);
    // Too big for the free one: a new buffer, rounded up to whole MiB.
    const c = pool.acquire(MIB + 1);
    expect(c.buffer).not.toBe(a.buffer);
    expect(c.buffer.byteLength).toBe(2 * MIB);
    expect(pool.stats).toMatchObject({ lent: 2, free: 0, reused: 1, allocated: 2 });
    pool.release(b);
    pool.release(c);
    // The smallest free buffer that fits is taken.
    expect(pool.acquire(10).buffer).toBe(a.buffer);
    expect(pool.stats.lent).toBe(1);
  });

  it('keeps at most maxKeptBytes free, dropping the largest first, and never keeps oversized buffers', () => {
    const pool = new SharedBufferPool({ maxKeptBytes: 3 * MIB, maxBufferBytes: 4 * MIB });
    const views = [pool.acquire(MIB), pool.acquire(MIB), pool.acquire(2 * MIB), pool.acquire(5 * MIB)];
    expect(views[3]!.buffer.byteLength).toBe(5 * MIB);
    for (const v of views) pool.release(v);
    expect(pool.stats).toMatchObject({ lent: 0, free: 2, keptBytes: 2 * MIB });
  });

  it('refuses a buffer given back twice or never lent, and forgets an abandoned one', () => {
    const pool = new SharedBufferPool();
    const a = pool.acquire(10);
    pool.release(a);
    expect(() => pool.release(a)).toThrow(/not lent by this pool/);
    expect(() => pool.release(new Uint8Array(10))).toThrow(/not lent by this pool/);
    expect(() => pool.release(new Uint8Array(new SharedArrayBuffer(10)))).toThrow(/not lent by this pool/);
    const b = pool.acquire(10);
    pool.abandon(b);
    expect(pool.stats.lent).toBe(0);
    // An abandoned buffer never comes back to anyone.
    expect(() => pool.release(b)).toThrow(/not lent by this pool/);
    expect(pool.acquire(10).buffer).not.toBe(b.buffer);
  });

  it('refuses sizes that are not non-negative integers', () => {
    const pool = new SharedBufferPool();
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => pool.acquire(bad)).toThrow(RangeError);
    expect(pool.acquire(0).length).toBe(0);
  });
});
