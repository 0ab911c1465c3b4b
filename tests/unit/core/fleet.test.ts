import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inRollout, mergeFleetSettings, rolloutBucket } from '../../../src/core/fleet.js';

describe('mergeFleetSettings', () => {
  it('puts the booth layer over the branch layer key by key, including an explicit null cap', () => {
    expect(
      mergeFleetSettings(
        { segmentSeconds: 6, devices: { camera: 'v4l2:/dev/video0', mic: 'pulse:default' }, bandwidth: { uploadBytesPerSec: 10_000, updateBytesPerSec: 20_000 }, languages: ['zh-CN'] },
        { devices: { camera: 'v4l2:/dev/video2' }, bandwidth: { updateBytesPerSec: null }, qualityPreset: 'high' },
      ),
    ).toEqual({
      segmentSeconds: 6,
      qualityPreset: 'high',
      languages: ['zh-CN'],
      devices: { camera: 'v4l2:/dev/video2', mic: 'pulse:default' },
      bandwidth: { uploadBytesPerSec: 10_000, updateBytesPerSec: null },
    });
  });

  it('leaves out what neither layer sets', () => {
    expect(mergeFleetSettings({}, {})).toEqual({});
    expect(mergeFleetSettings({ diskFloors: { stopFreeBytes: 1 } }, {})).toEqual({ diskFloors: { stopFreeBytes: 1 } });
  });
});

describe('rollout buckets', () => {
  it('are stable per booth and spread evenly over 0-99', () => {
    const id = randomUUID();
    expect(rolloutBucket(id)).toBe(rolloutBucket(id));
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 20_000; i++) counts[Math.floor(rolloutBucket(randomUUID()) / 10)]!++;
    for (const c of counts) expect(c / 20_000).toBeGreaterThan(0.08);
    for (const c of counts) expect(c / 20_000).toBeLessThan(0.12);
  });

  it('a booth is in a rollout when its bucket is below the percentage and its branch is listed (or all are)', () => {
    const ids = Array.from({ length: 500 }, () => randomUUID());
    const low = ids.find((i) => rolloutBucket(i) < 10)!;
    const high = ids.find((i) => rolloutBucket(i) >= 90)!;
    expect(inRollout({ boothId: low, branchId: 'a' }, { percent: 10, branches: null })).toBe(true);
    expect(inRollout({ boothId: high, branchId: 'a' }, { percent: 10, branches: null })).toBe(false);
    expect(inRollout({ boothId: high, branchId: 'a' }, { percent: 100, branches: null })).toBe(true);
    expect(inRollout({ boothId: low, branchId: 'a' }, { percent: 0, branches: null })).toBe(false);
    expect(inRollout({ boothId: low, branchId: 'a' }, { percent: 100, branches: ['b'] })).toBe(false);
    expect(inRollout({ boothId: low, branchId: null }, { percent: 100, branches: ['b'] })).toBe(false);
    expect(inRollout({ boothId: low, branchId: 'b' }, { percent: 100, branches: ['b'] })).toBe(true);
  });
});
