import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { screenshotTimes } from '../../../../src/core/review/screenshot-schedule.js';

describe('screenshot schedule', () => {
  it('takes 12 per minute in the first minute, then 3 per minute', () => {
    expect(screenshotTimes(0, 60)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55]);
    expect(screenshotTimes(60, 180)).toEqual([60, 80, 100, 120, 140, 160]);
    expect(screenshotTimes(0, 600).length).toBe(12 + 9 * 3);
  });

  it('gives the times inside a segment, start included, end excluded', () => {
    expect(screenshotTimes(4, 8)).toEqual([5]);
    expect(screenshotTimes(5, 10)).toEqual([5]);
    expect(screenshotTimes(56, 64)).toEqual([60]);
    expect(screenshotTimes(61, 80)).toEqual([]);
    expect(screenshotTimes(80.0001, 100)).toEqual([]);
    expect(screenshotTimes(58, 85)).toEqual([60, 80]);
  });

  it('answers nothing for an empty, reversed or non-finite range', () => {
    expect(screenshotTimes(10, 10)).toEqual([]);
    expect(screenshotTimes(10, 5)).toEqual([]);
    expect(screenshotTimes(Number.NaN, 5)).toEqual([]);
    expect(screenshotTimes(0, Number.POSITIVE_INFINITY)).toEqual([]);
    expect(screenshotTimes(-3, 1)).toEqual([0]);
  });

  it('segments that tile the recording give exactly the whole recording times, once each', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.2, max: 30, noNaN: true }), { minLength: 1, maxLength: 60 }), (durations) => {
        let t = 0;
        const pieces: number[] = [];
        for (const d of durations) {
          pieces.push(...screenshotTimes(t, t + d));
          t += d;
        }
        expect(pieces).toEqual(screenshotTimes(0, t));
      }),
    );
  });
});
