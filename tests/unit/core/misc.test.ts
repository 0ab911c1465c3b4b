import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../src/core/backoff.js';
import { canonicalJson } from '../../../src/core/canonical-json.js';
import { canStartNew, nextPhase } from '../../../src/core/session-machine.js';
import { ConflictError } from '../../../src/core/errors.js';

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 'x' }, u: undefined })).toBe('{"a":{"c":"x","d":[1,{"y":2,"z":1}]},"b":1}');
  });
  it('refuses values it cannot encode', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/non-finite/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/function/);
  });
});

describe('backoff with full jitter', () => {
  it('grows exponentially up to the cap', () => {
    const opts = { baseMs: 100, maxMs: 1000 };
    expect(backoffDelay(0, opts, () => 0.999)).toBe(99);
    expect(backoffDelay(3, opts, () => 0.999)).toBe(799);
    expect(backoffDelay(30, opts, () => 0.999)).toBe(999);
    expect(backoffDelay(5, opts, () => 0)).toBe(0);
  });
});

describe('booth session phases', () => {
  it('follows the happy path', () => {
    let p = nextPhase('starting', { type: 'captureStarted' });
    expect(p).toBe('recording');
    p = nextPhase(p, { type: 'stopRequested' });
    p = nextPhase(p, { type: 'captureEnded' });
    expect(p).toBe('syncing');
    expect(nextPhase(p, { type: 'archived' })).toBe('archived');
  });
  it('refuses impossible transitions with a message naming both', () => {
    expect(() => nextPhase('archived', { type: 'captureStarted' })).toThrow(ConflictError);
    expect(() => nextPhase('syncing', { type: 'stopRequested' })).toThrow('cannot stopRequested while the session is syncing');
  });
  it('allows a new session once the last one is recorded', () => {
    expect(canStartNew(null)).toBe(true);
    expect(canStartNew('syncing')).toBe(true);
    expect(canStartNew('recording')).toBe(false);
  });
});
