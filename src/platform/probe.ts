import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { z } from 'zod';
import { DependencyError, DualrecError, describeIssues } from '../core/errors.js';
import type { FfmpegInfo } from './ffmpeg.js';

const execFileAsync = promisify(execFile);

const ProbeOutput = z.object({
  format: z.object({ duration: z.coerce.number().optional(), format_name: z.string() }),
  streams: z.array(
    z.object({
      index: z.number(),
      codec_type: z.string(),
      codec_name: z.string().optional(),
      width: z.number().int().optional(),
      height: z.number().int().optional(),
      start_time: z.coerce.number().optional(),
      duration: z.coerce.number().optional(),
    }),
  ),
});
export type ProbeResult = z.infer<typeof ProbeOutput>;

/** Runs ffprobe on a media file and returns its format and streams; `signal` aborting kills it (DualrecError `ffmpeg.aborted`). */
export async function probeMedia(ff: FfmpegInfo, file: string, opts: { signal?: AbortSignal } = {}): Promise<ProbeResult> {
  if (!ff.ffprobe) throw new DependencyError('ffprobe.missing', `ffprobe is not available beside ${ff.ffmpeg} (${ff.source} ffmpeg); install the system ffmpeg`);
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(ff.ffprobe, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file], {
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
      ...(opts.signal ? { signal: opts.signal } : {}),
    }));
  } catch (err) {
    if (opts.signal?.aborted) throw new DualrecError('ffmpeg.aborted', `ffprobe of ${file}: aborted`);
    throw err;
  }
  const parsed = ProbeOutput.safeParse(JSON.parse(stdout));
  if (!parsed.success) throw new DependencyError('ffprobe.bad_output', `ffprobe output for ${file} is not understood: ${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}

/**
 * Decodes every stream of a file to nowhere and returns FFmpeg's error lines (empty when it
 * decodes cleanly). This is the check that audio and video "decode cleanly".
 */
export async function decodeErrors(ff: FfmpegInfo, file: string): Promise<string[]> {
  try {
    // Frames keep their own timestamps (-vsync passthrough, -enc_time_base -1): a recording with
    // restarts has a variable frame rate, and re-timing it onto a guessed rate (e.g. 15000/1001)
    // makes the null muxer report colliding timestamps that are not in the file.
    const { stderr } = await execFileAsync(ff.ffmpeg, ['-hide_banner', '-nostdin', '-v', 'error', '-i', file, '-vsync', 'passthrough', '-enc_time_base', '-1', '-f', 'null', '-'], {
      timeout: 10 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stderr.split('\n').filter((l) => l.trim() !== '');
  } catch (cause) {
    const stderr = (cause as { stderr?: string }).stderr ?? String(cause);
    return [`ffmpeg failed to decode ${file}: ${stderr.trim()}`];
  }
}
