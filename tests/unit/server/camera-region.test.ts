import { describe, expect, it } from 'vitest';
import { cameraFilter, cameraRegion } from '../../../src/server/review/machine/camera-region.js';
import { ReviewConfig } from '../../../src/server/review/machine/review-config.js';

const cam = (o: Partial<ReviewConfig['camera']> = {}) => ({ ...ReviewConfig.parse({}).camera, ...o });

describe('camera region of a recording', () => {
  it('cuts the booth inset out of a screen recording (400 px, 16 px from the lower right)', () => {
    expect(cameraRegion(1280, 720, cam())).toEqual({ x: 864, y: 404, width: 400, height: 300 });
    expect(cameraRegion(1920, 1080, cam())).toEqual({ x: 1504, y: 764, width: 400, height: 300 });
  });

  it('takes the whole picture of a camera-only recording', () => {
    expect(cameraRegion(640, 480, cam())).toEqual({ x: 0, y: 0, width: 640, height: 480 });
    expect(cameraRegion(641, 481, cam())).toEqual({ x: 0, y: 0, width: 640, height: 480 });
  });

  it('follows an explicit layout and inset size', () => {
    expect(cameraRegion(1280, 720, cam({ layout: 'full' }))).toEqual({ x: 0, y: 0, width: 1280, height: 720 });
    expect(cameraRegion(640, 480, cam({ layout: 'inset', insetWidth: 200, insetMargin: 8 }))).toEqual({ x: 432, y: 322, width: 200, height: 150 });
    // An inset larger than the picture is clamped to it.
    expect(cameraRegion(300, 200, cam({ layout: 'inset' }))).toEqual({ x: 16, y: 16, width: 268, height: 168 });
  });

  it('scales the region to the face engine width, gray', () => {
    expect(cameraFilter({ x: 864, y: 404, width: 400, height: 300 })).toEqual({ filter: 'crop=400:300:864:404,scale=320:240,format=gray', width: 320, height: 240 });
    expect(cameraFilter({ x: 0, y: 0, width: 1280, height: 720 })).toMatchObject({ width: 320, height: 180 });
  });
});
