import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ValidationError } from '../../core/errors.js';
import type { FfmpegInfo } from '../../platform/ffmpeg.js';
import type { ImageFrame } from './face-engine.js';

const run = promisify(execFile);

/** Parses a binary PPM (P6, maxval 255) as FFmpeg writes it. */
export function parsePpm(buf: Buffer): ImageFrame | null {
  const m = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(buf.subarray(0, 64).toString('latin1'));
  if (!m) return null;
  const width = Number(m[1]);
  const height = Number(m[2]);
  const start = m[0].length;
  if (buf.length - start !== width * height * 3) return null;
  return { width, height, channels: 3, data: new Uint8Array(buf.buffer, buf.byteOffset + start, width * height * 3) };
}

/**
 * Decodes the first frame of an image (JPEG, PNG, ...) with FFmpeg into RGB pixels, scaled down
 * to at most `maxSide` pixels on its longer side. Throws ValidationError naming the file when it
 * is not a readable image.
 */
export async function readImageFile(ff: Pick<FfmpegInfo, 'ffmpeg'>, file: string, maxSide = 1280): Promise<ImageFrame> {
  const scale = `scale=w='min(iw,${maxSide})':h='min(ih,${maxSide})':force_original_aspect_ratio=decrease`;
  let out: Buffer;
  try {
    const r = await run(ff.ffmpeg, ['-v', 'error', '-i', file, '-frames:v', '1', '-vf', scale, '-c:v', 'ppm', '-f', 'image2pipe', 'pipe:1'], {
      encoding: 'buffer',
      maxBuffer: maxSide * maxSide * 3 + 1024,
      timeout: 30_000,
    });
    out = r.stdout;
  } catch (err) {
    const why = ((err as { stderr?: Buffer }).stderr?.toString('utf8') || (err as Error).message).trim().split('\n').at(-1);
    throw new ValidationError('image.unreadable', `cannot decode image ${file}: ${why}`);
  }
  const frame = parsePpm(out);
  if (!frame) throw new ValidationError('image.unreadable', `cannot decode image ${file}: FFmpeg produced no picture`);
  return frame;
}
