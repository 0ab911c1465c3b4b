import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../../src/core/errors.js';
import { isPermanentSegmentRejection, nextSegmentState, SEGMENT_STATES, type SegmentEvent, type SegmentState } from '../../../src/core/segment-machine.js';

const ev = {
  sealed: { type: 'sealed' },
  uploadStarted: { type: 'uploadStarted' },
  acknowledged: { type: 'acknowledged' },
  uploadFailed: { type: 'uploadFailed', reason: 'ECONNREFUSED' },
  rejected: { type: 'rejected', reason: '422' },
  corrupted: { type: 'corrupted', reason: 'hash' },
  released: { type: 'released' },
  purged: { type: 'purged' },
} satisfies Record<SegmentEvent['type'], SegmentEvent>;

describe('segment state machine', () => {
  it('walks the happy path recorded -> purged', () => {
    let s: SegmentState = 'recorded';
    for (const e of [ev.sealed, ev.uploadStarted, ev.acknowledged, ev.purged]) s = nextSegmentState(s, e);
    expect(s).toBe('purged');
  });

  it('retries a failed upload and resumes an upload interrupted by a crash', () => {
    expect(nextSegmentState('uploading', ev.uploadFailed)).toBe('failed');
    expect(nextSegmentState('failed', ev.uploadStarted)).toBe('uploading');
    expect(nextSegmentState('uploading', ev.uploadStarted)).toBe('uploading');
  });

  it('quarantines corrupted and permanently rejected segments; only an operator release leaves quarantine', () => {
    expect(nextSegmentState('sealed', ev.corrupted)).toBe('quarantined');
    expect(nextSegmentState('failed', ev.corrupted)).toBe('quarantined');
    expect(nextSegmentState('uploading', ev.rejected)).toBe('quarantined');
    for (const e of Object.values(ev).filter((x) => x.type !== 'released')) expect(() => nextSegmentState('quarantined', e)).toThrow(ConflictError);
    expect(nextSegmentState('quarantined', ev.released)).toBe('sealed');
    for (const s of SEGMENT_STATES.filter((x) => x !== 'quarantined')) expect(() => nextSegmentState(s, ev.released)).toThrow(/cannot take the event released/);
  });

  it('never purges or re-uploads a segment before the server confirmed it', () => {
    for (const s of SEGMENT_STATES.filter((x) => x !== 'acknowledged')) expect(() => nextSegmentState(s, ev.purged)).toThrow(/cannot take the event purged/);
    expect(() => nextSegmentState('acknowledged', ev.uploadStarted)).toThrow(/acknowledged cannot take the event uploadStarted/);
    expect(() => nextSegmentState('sealed', ev.acknowledged)).toThrow(ConflictError);
  });

  it('treats only segment-level 4xx as permanent', () => {
    expect(isPermanentSegmentRejection(422, 'segment.chain_break')).toBe(true);
    expect(isPermanentSegmentRejection(400, 'request.invalid')).toBe(true);
    expect(isPermanentSegmentRejection(409, 'segment.exists')).toBe(true);
    expect(isPermanentSegmentRejection(409, 'segment.out_of_order')).toBe(false);
    expect(isPermanentSegmentRejection(401, 'auth.invalid')).toBe(false);
    expect(isPermanentSegmentRejection(503, 'x')).toBe(false);
    expect(isPermanentSegmentRejection(429, 'x')).toBe(false);
  });
});
