import { describe, expect, it } from 'vitest';
import { diskLevel, formatBytes, headroom } from '../../../src/core/disk-policy.js';
import { TokenBucket } from '../../../src/core/token-bucket.js';

const floors = { warnBytes: 1000, refuseBytes: 500, stopBytes: 100 };

describe('disk policy', () => {
  it('uses the smaller of free space and quota left', () => {
    expect(headroom({ freeBytes: 10_000, usedBytes: 0, quotaBytes: null })).toBe(10_000);
    expect(headroom({ freeBytes: 10_000, usedBytes: 9_500, quotaBytes: 10_000 })).toBe(500);
    expect(headroom({ freeBytes: 10, usedBytes: 0, quotaBytes: 10_000 })).toBe(10);
    expect(headroom({ freeBytes: 10_000, usedBytes: 20_000, quotaBytes: 10_000 })).toBe(0);
  });

  it('grades warn, refuse and stop at their floors', () => {
    const at = (free: number) => diskLevel({ freeBytes: free, usedBytes: 0, quotaBytes: null }, floors);
    expect([at(5000), at(999), at(499), at(99), at(0)]).toEqual(['ok', 'warn', 'refuse', 'stop', 'stop']);
    expect(diskLevel({ freeBytes: 1e12, usedBytes: 950, quotaBytes: 1000 }, floors)).toBe('stop');
  });

  it('formats bytes for staff', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MiB');
  });
});

describe('token bucket', () => {
  it('allows one second of burst, then paces to the rate', () => {
    const b = new TokenBucket(1000, 0);
    expect(b.take(1000, 0)).toBe(0);
    expect(b.take(500, 0)).toBe(500);
    expect(b.take(500, 0)).toBe(1000);
    expect(b.take(100, 2000)).toBe(0);
  });

  it('refills over time but never beyond one second of rate', () => {
    const b = new TokenBucket(1000, 0);
    b.take(1000, 0);
    expect(b.take(1000, 60_000)).toBe(0);
    expect(b.take(1, 60_000)).toBe(1);
    expect(() => new TokenBucket(0, 0)).toThrow(RangeError);
  });
});

describe('clock skew', () => {
  it('measures against the midpoint of the round trip and allows for its uncertainty', async () => {
    const { clockSkew, isSkewed } = await import('../../../src/core/clock-skew.js');
    expect(clockSkew(1000, 1100, 1050)).toEqual({ skewMs: 0, uncertaintyMs: 50 });
    const behind = clockSkew(1000, 1100, 1050 + 200_000);
    expect(behind.skewMs).toBe(200_000);
    expect(isSkewed(behind, 120_000)).toBe(true);
    expect(isSkewed(clockSkew(0, 100_000, 170_000), 120_000)).toBe(false);
    expect(isSkewed(clockSkew(1000, 1100, 1050 - 130_000), 120_000)).toBe(true);
  });
});
