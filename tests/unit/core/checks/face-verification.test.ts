import { describe, expect, it } from 'vitest';
import { FaceVerification } from '../../../../src/core/checks/face-verification.js';
import { descriptorDistance, median } from '../../../../src/core/checks/face-math.js';
import { FacePolicy } from '../../../../src/protocol/checks.js';

const policy = FacePolicy.parse({ threshold: 0.42, framesPerAttempt: 3, maxAttempts: 2, attemptTimeoutSec: 5 });
const one = (atSec: number, distance: number) => ({ atSec, faces: 1, distance });

describe('face verification rules', () => {
  it('matches on the median of the attempt frames and records the evidence', () => {
    const v = new FaceVerification(policy);
    expect(v.begin(0)).toEqual([]);
    expect(v.onSample(one(0.5, 0.3))).toEqual([]);
    expect(v.onSample(one(1.0, 0.6))).toEqual([]);
    const out = v.onSample(one(1.5, 0.35));
    expect(out.map((d) => d.type)).toEqual(['face.attempt', 'face.verified']);
    expect(out[0]).toMatchObject({ attempt: 1, medianDistance: 0.35, matched: true, miss: null, threshold: 0.42 });
    expect(out[0]!.type === 'face.attempt' && out[0]!.frames.map((f) => f.distance)).toEqual([0.3, 0.6, 0.35]);
    expect(out[1]).toMatchObject({ attempts: 1, distance: 0.35 });
    expect(v.status).toBe('matched');
    expect(v.onSample(one(2, 0.9))).toEqual([]);
    expect(v.begin(3)).toEqual([]);
  });

  it('re-acquires after a non-matching attempt, then fails after maxAttempts', () => {
    const v = new FaceVerification(policy);
    v.begin(0);
    v.onSample(one(1, 0.5));
    v.onSample(one(2, 0.6));
    const first = v.onSample(one(3, 0.55));
    expect(first.map((d) => d.type)).toEqual(['face.attempt', 'face.reacquire']);
    expect(first[1]).toMatchObject({ attempt: 2, reason: 'not_matching' });
    v.onSample(one(4, 0.5));
    v.onSample(one(5, 0.5));
    const second = v.onSample(one(6, 0.5));
    expect(second.map((d) => d.type)).toEqual(['face.attempt', 'face.failed']);
    expect(second[1]).toMatchObject({ attempts: 2, reason: 'not_matching' });
    expect(v.status).toBe('failed');
    // Staff help the customer: a new round starts at attempt 1.
    v.begin(10);
    expect(v.status).toBe('verifying');
    expect(v.attempt).toBe(1);
  });

  it('ends an attempt without a usable frame after the timeout as no face / several faces', () => {
    const v = new FaceVerification(policy);
    v.begin(0);
    expect(v.onSample({ atSec: 1, faces: 0, distance: null })).toEqual([]);
    expect(v.tick(4.9)).toEqual([]);
    const out = v.tick(5);
    expect(out[0]).toMatchObject({ type: 'face.attempt', matched: false, miss: 'no_face', medianDistance: null, frames: [] });
    expect(out[1]).toMatchObject({ type: 'face.reacquire', attempt: 2, reason: 'no_face' });
    const two = v.onSample({ atSec: 10.5, faces: 2, distance: null });
    expect(two.map((d) => d.type)).toEqual(['face.attempt', 'face.failed']);
    expect(two[1]).toMatchObject({ reason: 'multiple_faces' });
  });

  it('does not count an attempt in which no frame was analysed at all', () => {
    const v = new FaceVerification(policy);
    v.begin(0);
    expect(v.tick(5)).toEqual([{ type: 'checks.error', atSec: 5, engine: 'face', message: 'no camera frame was analysed for 5 s; face attempt 1 starts again' }]);
    expect(v.attempt).toBe(1);
    expect(v.tick(9)).toEqual([]);
    v.onSample({ atSec: 9.5, faces: 0, distance: null });
    expect(v.tick(10).map((d) => d.type)).toEqual(['face.attempt', 'face.reacquire']);
  });

  it('decides on the frames it has when time runs out', () => {
    const v = new FaceVerification(policy);
    v.begin(0);
    v.onSample(one(1, 0.2));
    const out = v.tick(6);
    expect(out.map((d) => d.type)).toEqual(['face.attempt', 'face.verified']);
  });

  it('measures distances and medians', () => {
    expect(descriptorDistance([0, 3], [4, 0])).toBe(5);
    expect(() => descriptorDistance([1], [1, 2])).toThrow(RangeError);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });
});
