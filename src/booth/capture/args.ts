import type { CaptureConfig } from '../config.js';

/** Where the recorder writes and announces segments. */
export interface CaptureOutput {
  /** printf-style pattern of segment files, e.g. /spool/seg-%06d.ts */
  segmentPattern: string;
  /** File descriptor number on which FFmpeg announces each closed segment (CSV lines). */
  segmentListFd: number;
}

export interface CaptureInputs {
  /** X display to grab, whole screen (e.g. `:99`), or null for camera only. */
  display: string | null;
}

/**
 * Builds the FFmpeg argument list for one recording. Pure: no I/O, unit-tested.
 *
 * Layout: one video stream (the screen with the camera as picture-in-picture in the lower right,
 * or the camera alone when there is no screen) and one AAC audio stream, cut into MPEG-TS segments
 * on forced keyframes every `segmentSeconds`. MPEG-TS is chosen for the skeleton because every
 * segment plays on its own, a killed FFmpeg leaves a readable partial segment, and segments join
 * exactly by concatenation (the archive remuxes the joined stream to MP4).
 */
export function buildCaptureArgs(cfg: CaptureConfig, inputs: CaptureInputs, out: CaptureOutput): string[] {
  const args: string[] = ['-hide_banner', '-loglevel', 'warning', '-nostats'];
  const fakeAv = `testsrc2=size=${cfg.width}x${cfg.height}:rate=${cfg.fps}[out0];sine=frequency=440:sample_rate=48000:beep_factor=4[out1]`;
  let filter: string | null = null;
  let videoMap: string;
  let audioMap: string;
  if (inputs.display) {
    args.push('-f', 'x11grab', '-framerate', String(cfg.fps), '-i', inputs.display);
    args.push('-re', '-f', 'lavfi', '-i', fakeAv);
    // The camera at a quarter of the screen width, even dimensions, 16 px from the lower right corner.
    filter = "[1:v][0:v]scale2ref=w='trunc(main_w/8)*2':h='trunc(ow/mdar/2)*2'[pip][scr];[scr][pip]overlay=W-w-16:H-h-16:shortest=1,format=yuv420p[v]";
    videoMap = '[v]';
    audioMap = '1:a';
  } else {
    args.push('-re', '-f', 'lavfi', '-i', fakeAv);
    videoMap = '0:v';
    audioMap = '0:a';
  }
  if (filter) args.push('-filter_complex', filter);
  args.push('-map', videoMap, '-map', audioMap);
  args.push(
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '26', '-pix_fmt', 'yuv420p',
    '-force_key_frames', `expr:gte(t,n_forced*${cfg.segmentSeconds})`,
    '-c:a', 'aac', '-b:a', '96k', '-ar', '48000', '-ac', '1',
    '-f', 'segment',
    '-segment_time', String(cfg.segmentSeconds),
    '-segment_format', 'mpegts',
    '-segment_list', `pipe:${out.segmentListFd}`,
    '-segment_list_type', 'csv',
    '-flush_packets', '1',
    out.segmentPattern,
  );
  return args;
}

/** One line of FFmpeg's CSV segment list: `name,start,end`. */
export function parseSegmentListLine(line: string): { file: string; startSec: number; endSec: number } | null {
  const m = /^(.+),(\d+(?:\.\d+)?),(\d+(?:\.\d+)?)$/.exec(line.trim());
  if (!m) return null;
  return { file: m[1]!, startSec: Number(m[2]), endSec: Number(m[3]) };
}
