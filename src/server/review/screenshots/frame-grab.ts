import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageFrame } from '../../../engines/face/face-engine.js';
import type { FfmpegInfo } from '../../../platform/ffmpeg.js';
import { runFfmpeg } from '../../../platform/ffmpeg-run.js';
import { cameraFilter, type Region } from '../machine/camera-region.js';

export interface GrabbedFrame {
  jpeg: Buffer;
  width: number;
  height: number;
  /** The camera picture, gray, at the face engine's size. */
  camera: ImageFrame;
}

/**
 * One frame of a decrypted segment, `offsetSec` after its first frame: a JPEG of the whole picture
 * `width` wide, and the camera cut out for the face detector. One FFmpeg run, two outputs. Null when
 * the segment has no frame that late (its last frame came earlier). `signal` aborting kills FFmpeg.
 */
export async function grabFrame(ff: FfmpegInfo, o: { segment: string; workDir: string; offsetSec: number; source: { width: number; height: number }; width: number; region: Region; name: string; signal?: AbortSignal }): Promise<GrabbedFrame | null> {
  const width = Math.min(o.width, o.source.width - (o.source.width % 2));
  const height = Math.max(2, Math.round((width * o.source.height) / o.source.width / 2) * 2);
  const cam = cameraFilter(o.region);
  const jpeg = join(o.workDir, `${o.name}.jpg`);
  const raw = join(o.workDir, `${o.name}.gray`);
  await runFfmpeg(
    ff,
    [
      // Output-side -ss (decode from the start, drop frames before it): input seeking finds no
      // frame in an MPEG-TS segment whose only keyframe is its first.
      '-i', o.segment,
      '-ss', o.offsetSec.toFixed(3), '-map', '0:v:0', '-frames:v', '1', '-vf', `scale=${width}:${height}`, '-q:v', '4', '-f', 'image2', '-update', '1', '-y', jpeg,
      '-ss', o.offsetSec.toFixed(3), '-map', '0:v:0', '-frames:v', '1', '-vf', cam.filter, '-f', 'rawvideo', '-pix_fmt', 'gray', '-y', raw,
    ],
    { what: `grab a screenshot ${o.offsetSec.toFixed(1)} s into a segment`, timeoutMs: 60_000, ...(o.signal ? { signal: o.signal } : {}) },
  );
  const picture = await readIfExists(jpeg);
  const gray = await readIfExists(raw);
  if (picture.length === 0 || gray.length !== cam.width * cam.height) return null;
  return { jpeg: picture, width, height, camera: { width: cam.width, height: cam.height, channels: 1, data: new Uint8Array(gray.buffer, gray.byteOffset, gray.length) } };
}

/** The file's bytes, or none when FFmpeg wrote no file (no frame that late). */
async function readIfExists(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw err;
  }
}
