import { ValidationError } from '../../core/errors.js';
import type { CaptureConfig } from '../config.js';

import type { InputPlan } from './devices/types.js';
import { rtpOutputArgs, type LiveVideoSettings, type RtpTarget } from '../sfu/rtp.js';

export type { InputPlan };

/** File descriptors of the recorder's side outputs (fixed layout, see recorder.ts). */
export const FD = { segmentList: 3, face: 4, pcm: 5, preview: 6, progress: 7 } as const;

/** Sample format of the speech tap: signed 16-bit little-endian, mono. */
export const PCM_RATE = 16_000;

export interface CaptureOutput {
  /** printf-style pattern of segment files, e.g. /spool/run-0/seg-%06d.ts */
  segmentPattern: string;
  /** Added to every output timestamp, so a restarted run continues the session's timeline. */
  tsOffsetSec: number;
  /** Live outputs into the SFU (remote assistance): extra RTP outputs, the recording is unchanged. */
  live?: LiveOutput | undefined;
}

export interface LiveOutput {
  targets: RtpTarget[];
  video: LiveVideoSettings;
}

/**
 * Builds the FFmpeg argument list for one recording run. Pure: no I/O, unit-tested.
 *
 * Outputs of the one process:
 *  - MPEG-TS segments (`segmentSeconds`, cut on forced keyframes): one video stream, the screen
 *    with the camera as picture-in-picture in the lower right (or the camera alone), and AAC
 *    audio. x264 runs with `-tune zerolatency`: no lookahead or B-frames, so a killed FFmpeg has
 *    written all but ~0.1 s of what it captured (veryfast's lookahead held back ~1 s). Each closed
 *    segment is announced as a CSV line on fd 3.
 *  - fd 4: the camera as raw gray frames (`taps.faceWidth` x `taps.faceHeight`, every
 *    floor(fps / `taps.faceFps`)th frame: 2.14 fps at 15 fps for the default 2) for face checks;
 *  - fd 5: the microphone as 16 kHz mono s16le PCM for speech checks;
 *  - fd 6: the camera as MJPEG (`taps.previewFps`) for the kiosk's live preview;
 *  - fd 7: `-progress` reports every second.
 * When the camera input ends, the overlay passes the screen through (eof_action=pass), so screen
 * and audio keep recording and the face tap falls silent (the supervisor raises camera.lost).
 * Without a camera there is no face tap or preview; without a microphone no audio or speech tap.
 * Inputs come from buildInputArgs (devices/input-args.ts) for the configured devices.
 */
export function buildCaptureArgs(cfg: CaptureConfig, plan: InputPlan, out: CaptureOutput): string[] {
  const t = cfg.taps;
  const args: string[] = ['-hide_banner', '-loglevel', 'error', '-nostats', '-stats_period', '1', '-progress', `pipe:${FD.progress}`, ...plan.args];
  if (!plan.screen && !plan.camera) throw new ValidationError('capture.no_video', 'capture: neither a screen nor a camera is selected; the recording needs video');
  const graph: string[] = [];
  const live = liveTargets(plan, out.live);
  const screenIn = live.screen ? 'screenin' : plan.screen;
  if (live.screen) graph.push(`[${plan.screen}]split=2[screenin][screenlive]`);
  if (plan.camera) graph.push(`[${plan.camera}]split=${live.camera ? 4 : 3}[cam][camface][camprev]${live.camera ? '[camlive]' : ''}`);
  if (plan.screen && plan.camera) {
    // Both pictures on one frame grid (fps), so the overlay never shows the camera a frame late:
    // without it the inset lagged up to one frame (67 ms at 15 fps) behind the sound.
    graph.push(`[cam]fps=${cfg.fps},scale=${cfg.pipWidth}:-2[pip]`);
    graph.push(`[${screenIn}]fps=${cfg.fps}[scr]`);
    graph.push(`[scr][pip]overlay=W-w-16:H-h-16:eof_action=pass:shortest=0,format=yuv420p[v]`);
  } else if (plan.screen) {
    graph.push(`[${screenIn}]format=yuv420p[v]`);
  } else {
    graph.push(`[cam]format=yuv420p[v]`);
  }
  if (plan.camera) {
    // Taps take every Nth frame (framestep) rather than re-timing with fps: an fps filter on a
    // tap branch held back the end of the recording's video (~0.5 s lost at each stop).
    graph.push(`[camface]framestep=${tapStep(cfg.fps, t.faceFps)},scale=${t.faceWidth}:${t.faceHeight},format=gray[face]`);
    graph.push(`[camprev]framestep=${tapStep(cfg.fps, t.previewFps)},scale=${t.previewWidth}:-2[prev]`);
  }
  if (live.camera && out.live) graph.push(`[camlive]${liveScale(out.live.video)}[live_camera]`);
  if (live.screen && out.live) graph.push(`[screenlive]${liveScale(out.live.video)}[live_screen]`);
  if (plan.mic) {
    graph.push(`[${plan.mic}]asplit=${live.mic ? 3 : 2}[a][atap]${live.mic ? '[live_mic]' : ''}`);
    graph.push(`[atap]aresample=${PCM_RATE},aformat=sample_fmts=s16:channel_layouts=mono[pcm]`);
  }
  args.push('-filter_complex', graph.join(';'));
  // Recording.
  args.push('-map', '[v]');
  if (plan.mic) args.push('-map', '[a]');
  args.push('-c:v', 'libx264', '-preset', cfg.preset, '-tune', 'zerolatency', '-crf', String(cfg.crf), '-pix_fmt', 'yuv420p', '-force_key_frames', `expr:gte(t,n_forced*${cfg.segmentSeconds})`);
  if (plan.mic) args.push('-c:a', 'aac', '-b:a', '96k', '-ar', '48000', '-ac', '1');
  args.push(
    '-output_ts_offset', out.tsOffsetSec.toFixed(3),
    '-f', 'segment',
    '-segment_time', String(cfg.segmentSeconds),
    '-segment_format', 'mpegts',
    '-segment_format_options', 'flush_packets=1',
    '-segment_list', `pipe:${FD.segmentList}`,
    '-segment_list_type', 'csv',
    out.segmentPattern,
  );
  // Taps and preview.
  if (plan.camera) args.push('-map', '[face]', '-f', 'rawvideo', '-pix_fmt', 'gray', `pipe:${FD.face}`);
  if (plan.mic) args.push('-map', '[pcm]', '-f', 's16le', `pipe:${FD.pcm}`);
  if (plan.camera) args.push('-map', '[prev]', '-c:v', 'mjpeg', '-q:v', '8', '-f', 'mpjpeg', `pipe:${FD.preview}`);
  // Live outputs last, so the recording's outputs keep their order and options.
  for (const source of ['camera', 'screen', 'mic'] as const) {
    const target = live[source];
    if (target && out.live) args.push(...rtpOutputArgs(`live_${source}`, target, out.live.video));
  }
  return args;
}

/** The live targets this run can feed: a source only when the plan has its device. */
function liveTargets(plan: InputPlan, live: LiveOutput | undefined): Partial<Record<'camera' | 'screen' | 'mic', RtpTarget>> {
  const has = { camera: !!plan.camera, screen: !!plan.screen, mic: !!plan.mic };
  const r: Partial<Record<'camera' | 'screen' | 'mic', RtpTarget>> = {};
  for (const t of live?.targets ?? []) if (has[t.source]) r[t.source] = t;
  return r;
}

function liveScale(v: LiveVideoSettings): string {
  return `fps=${v.fps},scale=${v.width}:${v.height}:force_original_aspect_ratio=decrease,pad=${v.width}:${v.height}:(ow-iw)/2:(oh-ih)/2,format=yuv420p`;
}

/** Frames to step for a tap of at least `rate` fps from a `fps` source: it delivers fps / step frames per second. */
export function tapStep(fps: number, rate: number): number {
  return Math.max(1, Math.floor(fps / rate));
}

/** One line of FFmpeg's CSV segment list: `name,start,end`. */
export function parseSegmentListLine(line: string): { file: string; startSec: number; endSec: number } | null {
  const m = /^(.+),(\d+(?:\.\d+)?),(\d+(?:\.\d+)?)$/.exec(line.trim());
  if (!m) return null;
  return { file: m[1]!, startSec: Number(m[2]), endSec: Number(m[3]) };
}
