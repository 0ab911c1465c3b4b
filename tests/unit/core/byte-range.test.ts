// HTTP Range parsing (RFC 9110) and If-None-Match matching used by the catalogue's blob routes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRange } from '../../../src/core/byte-range.js';
import { etagMatches } from '../../../src/platform/blob-reply.js';

describe('parseRange', () => {
  it('reads the single-range forms and ignores what a server may ignore', () => {
    expect(parseRange(undefined, 100)).toBeNull();
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-1000', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=50-1000', 100)).toEqual({ start: 50, end: 99 });
    for (const ignored of ['items=0-1', 'bytes=0-1,5-6', 'bytes=5-1', 'bytes=-', 'bytes=a-b', 'bytes=1e3-']) expect(parseRange(ignored, 100)).toBeNull();
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
  });

  it('always yields a range inside the resource, or null, or unsatisfiable', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.integer({ min: 1, max: 1e9 }), (h, size) => {
        const r = parseRange(`bytes=${h}`, size);
        if (r && r !== 'unsatisfiable') {
          expect(r.start).toBeGreaterThanOrEqual(0);
          expect(r.end).toBeLessThan(size);
          expect(r.start).toBeLessThanOrEqual(r.end);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('etagMatches', () => {
  it('matches strong, weak, listed and wildcard tags', () => {
    expect(etagMatches('"abc"', 'abc')).toBe(true);
    expect(etagMatches('W/"abc"', 'abc')).toBe(true);
    expect(etagMatches('"x", "abc"', 'abc')).toBe(true);
    expect(etagMatches('*', 'abc')).toBe(true);
    expect(etagMatches(['"x"', '"abc"'], 'abc')).toBe(true);
    expect(etagMatches('abc', 'abc')).toBe(false);
    expect(etagMatches('"abcd"', 'abc')).toBe(false);
    expect(etagMatches(undefined, 'abc')).toBe(false);
  });
});
