import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ImageFrame } from '../../src/engines/face/face-engine.js';

const require = createRequire(import.meta.url);
/** The photos shipped in @vladmandic/face-api's demo folder (group photos, 1920 px wide). */
export const DEMO_DIR = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');

/** A face in a demo photo: its box as face-api's SSD found it on the original 1920-wide photo. */
export interface DemoFace {
  id: string;
  photo: number;
  box: { x: number; y: number; w: number; h: number };
}

/**
 * Four different people (no person appears in two demo photos; checked on a contact sheet) whose
 * enrollment crop and booth view each hold exactly one detectable face.
 */
export const FACES = {
  a: { id: '1.0', photo: 1, box: { x: 414, y: 355, w: 177, h: 239 } },
  b: { id: '3.0', photo: 3, box: { x: 585, y: 329, w: 199, h: 271 } },
  c: { id: '5.2', photo: 5, box: { x: 1406, y: 390, w: 166, h: 271 } },
  d: { id: '2.0', photo: 2, box: { x: 1447, y: 154, w: 193, h: 242 } },
} satisfies Record<string, DemoFace>;

const even = (n: number) => Math.round(n / 2) * 2;

/** An FFmpeg crop around the face: `aspect` w/h, the face `frac` of the crop's height. */
function cropAround(f: DemoFace, aspect: number, frac: number): string {
  const cx = f.box.x + f.box.w / 2;
  const cy = f.box.y + f.box.h / 2;
  const h = even(f.box.h / frac);
  const w = even(h * aspect);
  return `crop=${w}:${h}:${Math.max(0, Math.round(cx - w / 2))}:${Math.max(0, Math.round(cy - h / 2))}`;
}

function raw(photo: number, vf: string, fmt: 'rgb24' | 'gray', width: number, height: number): ImageFrame {
  const buf = execFileSync('ffmpeg', ['-v', 'error', '-i', join(DEMO_DIR, `sample${photo}.jpg`), '-vf', vf, '-f', 'rawvideo', '-pix_fmt', fmt, 'pipe:1'], { maxBuffer: 1 << 26 });
  const channels = fmt === 'gray' ? 1 : 3;
  if (buf.length !== width * height * channels) throw new Error(`unexpected frame size ${buf.length}`);
  return { width, height, channels, data: new Uint8Array(buf.buffer, buf.byteOffset, buf.length) };
}

/** The enrollment photo: a colour ID-style crop (3:4, face 60% of the height), 300x400. */
export function enrollmentPhoto(f: DemoFace): ImageFrame {
  return raw(f.photo, `${cropAround(f, 0.75, 0.6)},scale=300:400`, 'rgb24', 300, 400);
}

/**
 * What the booth's face tap delivers for this person sitting in front of the camera: a 4:3 frame
 * (face 45% of its height) as gray pixels at the tap's size; `pre` adds FFmpeg filters (hflip,
 * rotate, eq) before scaling.
 */
export function boothView(f: DemoFace, opts: { width?: number; height?: number; pre?: string } = {}): ImageFrame {
  const w = opts.width ?? 320;
  const h = opts.height ?? 240;
  return raw(f.photo, `${cropAround(f, 4 / 3, 0.45)},${opts.pre ? `${opts.pre},` : ''}scale=${w}:${h}`, 'gray', w, h);
}

/** Two people side by side in one 320x240 gray frame (two portrait crops, hstacked). */
export function twoPeople(f1: DemoFace, f2: DemoFace): ImageFrame {
  const part = (f: DemoFace) => ['-i', join(DEMO_DIR, `sample${f.photo}.jpg`)];
  const graph = `[0]${cropAround(f1, 2 / 3, 0.45)},scale=160:240[l];[1]${cropAround(f2, 2 / 3, 0.45)},scale=160:240[r];[l][r]hstack=2,format=gray`;
  const buf = execFileSync('ffmpeg', ['-v', 'error', ...part(f1), ...part(f2), '-filter_complex', graph, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], { maxBuffer: 1 << 24 });
  return { width: 320, height: 240, channels: 1, data: new Uint8Array(buf.buffer, buf.byteOffset, buf.length) };
}

/** A frame with no face: FFmpeg's test pattern, gray. */
export function noFace(width = 320, height = 240): ImageFrame {
  const buf = execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=1`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1']);
  return { width, height, channels: 1, data: new Uint8Array(buf.buffer, buf.byteOffset, buf.length) };
}

/** Writes the booth view as a 640x480 JPEG for the fake camera (cameraImage). */
export function writeCameraImage(f: DemoFace, file: string): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', join(DEMO_DIR, `sample${f.photo}.jpg`), '-vf', `${cropAround(f, 4 / 3, 0.45)},scale=640:480`, '-frames:v', '1', '-q:v', '3', file]);
}

/** Writes the enrollment photo as a JPEG (what the server would receive). */
export function writeEnrollmentJpeg(f: DemoFace, file: string): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', join(DEMO_DIR, `sample${f.photo}.jpg`), '-vf', `${cropAround(f, 0.75, 0.6)},scale=300:400`, '-frames:v', '1', '-q:v', '3', file]);
}
