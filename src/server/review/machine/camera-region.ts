import type { ReviewConfig } from './review-config.js';

export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Size the face engine gets: the booth's face tap width (320), height by the region's aspect. */
export const FACE_FRAME_WIDTH = 320;

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
const floorEven = (n: number) => Math.max(2, Math.floor(n / 2) * 2);

/**
 * Where the camera picture is in a recording of `width` x `height` (src/booth/capture/args.ts):
 * with a screen, the camera is an inset `insetWidth` wide in the lower right, `insetMargin` from
 * both edges (its height depends on the camera: a 4:3 region is taken, which holds a 4:3 inset and
 * a 16:9 one with a strip of screen above it); without a screen the recording is the camera.
 */
export function cameraRegion(width: number, height: number, cam: ReviewConfig['camera']): Region {
  const inset = cam.layout === 'inset' || (cam.layout === 'auto' && width > 2 * cam.insetWidth);
  if (!inset) return { x: 0, y: 0, width: floorEven(width), height: floorEven(height) };
  const w = Math.min(cam.insetWidth, width - 2 * cam.insetMargin);
  const h = Math.min(even((w * 3) / 4), height - 2 * cam.insetMargin);
  return { x: width - cam.insetMargin - w, y: height - cam.insetMargin - h, width: floorEven(w), height: floorEven(h) };
}

/** FFmpeg filters that cut the region out and scale it to the face engine's size, gray; and that size. */
export function cameraFilter(r: Region): { filter: string; width: number; height: number } {
  const height = even((FACE_FRAME_WIDTH * r.height) / r.width);
  return { filter: `crop=${r.width}:${r.height}:${r.x}:${r.y},scale=${FACE_FRAME_WIDTH}:${height},format=gray`, width: FACE_FRAME_WIDTH, height };
}
