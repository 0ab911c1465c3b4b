import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { z } from 'zod';
import { DependencyError, describeIssues } from '../../../core/errors.js';
import type { FfmpegInfo } from '../../../platform/ffmpeg.js';
import { runFfmpeg } from '../../../platform/ffmpeg-run.js';

const execFileAsync = promisify(execFile);

/**
 * thumbnails.json: where each tile of thumbnails.jpg sits and which moment it shows. Tiles are in
 * time order, row by row; tile i is at (x, y) with size tileWidth x tileHeight.
 */
export const ThumbnailIndex = z.strictObject({
  v: z.literal(1),
  sessionId: z.string(),
  /** Storage key of the sprite. */
  image: z.string(),
  everySec: z.number(),
  tileWidth: z.number().int(),
  tileHeight: z.number().int(),
  columns: z.number().int(),
  rows: z.number().int(),
  count: z.number().int(),
  tiles: z.array(
    z.strictObject({
      /** Media time of the frame, seconds from the start of the recording. */
      timeSec: z.number(),
      /** Wall clock of the frame (recorded start + media time), ISO-8601 UTC. */
      at: z.string(),
      x: z.number().int(),
      y: z.number().int(),
    }),
  ),
});
export type ThumbnailIndex = z.infer<typeof ThumbnailIndex>;

const FramesProbe = z.object({
  streams: z.array(z.object({ width: z.number().int(), height: z.number().int() })).min(1),
  frames: z.array(z.object({ pts_time: z.coerce.number() })),
});

/** The interval between tiles: `everySec`, longer when the session would exceed `maxTiles`. */
export function thumbnailInterval(durationSec: number, everySec: number, maxTiles: number): number {
  return Math.max(everySec, Math.ceil(durationSec / maxTiles));
}

/**
 * Tiles the selected frames (`thumbsFile`, written by the derive pass) into one JPEG sprite of at
 * most `columns` per row and returns its index. One small FFmpeg run over already scaled frames.
 */
export async function buildThumbnailStrip(
  ff: FfmpegInfo,
  o: { cwd: string; thumbsFile: string; spriteFile: string; spriteKey: string; sessionId: string; startMs: number; everySec: number; columns: number; signal?: AbortSignal },
): Promise<ThumbnailIndex> {
  if (!ff.ffprobe) throw new DependencyError('ffprobe.missing', `ffprobe is not available beside ${ff.ffmpeg}; install the system ffmpeg`);
  const { stdout } = await execFileAsync(ff.ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height:frame=pts_time', '-of', 'json', o.thumbsFile], {
    cwd: o.cwd,
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const parsed = FramesProbe.safeParse(JSON.parse(stdout));
  if (!parsed.success) throw new DependencyError('ffprobe.bad_output', `ffprobe output for the thumbnails of ${o.sessionId} is not understood: ${describeIssues(parsed.error.issues)}`);
  const { width, height } = parsed.data.streams[0]!;
  const times = parsed.data.frames.map((f) => f.pts_time);
  if (times.length === 0) throw new DependencyError('finalize.no_thumbnails', `the recording of ${o.sessionId} yielded no thumbnail frames`);
  const columns = Math.min(o.columns, times.length);
  const rows = Math.ceil(times.length / columns);
  await runFfmpeg(ff, ['-threads', '1', '-i', o.thumbsFile, '-filter_threads', '1', '-vf', `tile=${columns}x${rows},format=yuvj420p`, '-frames:v', '1', '-c:v', 'mjpeg', '-q:v', '3', '-f', 'image2', '-update', '1', o.spriteFile], {
    what: `tile the thumbnails of session ${o.sessionId}`,
    cwd: o.cwd,
    timeoutMs: 5 * 60_000,
    signal: o.signal,
  });
  return {
    v: 1,
    sessionId: o.sessionId,
    image: o.spriteKey,
    everySec: o.everySec,
    tileWidth: width,
    tileHeight: height,
    columns,
    rows,
    count: times.length,
    tiles: times.map((t, i) => ({
      timeSec: Math.round(t * 1000) / 1000,
      at: new Date(o.startMs + Math.round(t * 1000)).toISOString(),
      x: (i % columns) * width,
      y: Math.floor(i / columns) * height,
    })),
  };
}
