import type { FinalizeConfig } from '../finalize-config.js';
import { drawtextFont, filterOptions, filterValue } from './filtergraph.js';
import type { FontChoice } from './fonts.js';
import { CONFIDENTIAL, estimateWidth } from './overlay-text.js';
import type { ZoneSpan } from './time-zone.js';

/** Angle of the tiled watermark (radians; negative rises to the right). */
const TILE_ANGLE = -Math.PI / 9;
/** Opacity of the tiled watermark: visible on light and dark pictures, the picture stays readable. */
const TILE_ALPHA = 0.18;
/** Keyframe every this many seconds in final.mp4, for quick seeking in a player. */
const KEYFRAME_SEC = 4;

export interface DeriveSource {
  path: string;
  width: number;
  height: number;
  /** The recording's audio: AAC is copied as it is, another codec is encoded to AAC, null: none. */
  audio: 'aac' | 'other' | null;
}

/** Text files (relative to FFmpeg's working folder) holding the burned-in text. */
export interface DeriveText {
  /** One timestamp file per span of constant UTC offset (see zoneSpans). */
  timestamps: Array<{ span: ZoneSpan; file: string }>;
  banner: string;
  tile: string;
}

export interface DeriveOutputs {
  video: string;
  audio: string;
  /** The selected thumbnail frames (NUT, raw video), tiled into the strip afterwards. */
  thumbs: string;
}

export interface DeriveLayout {
  width: number;
  height: number;
  margin: number;
  timestampFont: number;
  bannerFont: number;
  tileFont: number;
  tileLineSpacing: number;
  /** Side of the square canvas the tiled watermark is drawn on before it is rotated and cut. */
  tileCanvas: number;
}

const even = (n: number) => 2 * Math.round(n / 2);

/** Output size (never larger than the source, height at most maxHeight) and text sizes for it. */
export function deriveLayout(srcWidth: number, srcHeight: number, maxHeight: number): DeriveLayout {
  const height = Math.min(even(srcHeight), maxHeight);
  const width = even((srcWidth * height) / srcHeight);
  const tileFont = Math.max(14, Math.round(height / 26));
  return {
    width,
    height,
    margin: Math.max(6, Math.round(height / 48)),
    timestampFont: Math.max(14, Math.round(height / 30)),
    bannerFont: Math.max(12, Math.round(height / 34)),
    tileFont,
    tileLineSpacing: tileFont * 3,
    tileCanvas: even(Math.ceil(Math.hypot(width, height)) + 2 * tileFont),
  };
}

/**
 * The tiled watermark layer, made once per session: the text of `tileFile` (tileText) drawn
 * (white with a black outline, TILE_ALPHA opaque) on a transparent square canvas, rotated and cut to the picture size, so it
 * covers the whole picture and no strip can be cropped away without it. An RGBA frame.
 */
export function tileLayer(face: Record<string, string>, L: DeriveLayout, tileFile: string): string {
  return [
    `color=${filterOptions({ c: 'black@0', s: `${L.tileCanvas}x${L.tileCanvas}`, r: 1, d: 1 })}`,
    'format=rgba',
    `drawtext=${filterOptions({ ...face, textfile: tileFile, expansion: 'none', fontsize: L.tileFont, fontcolor: 'white', borderw: Math.max(1, Math.round(L.tileFont / 14)), bordercolor: 'black', line_spacing: L.tileLineSpacing, x: -Math.round(estimateWidth(CONFIDENTIAL, L.tileFont)), y: 0 })}`,
    `rotate=${filterOptions({ a: TILE_ANGLE.toFixed(6), c: 'none', ow: L.width, oh: L.height })}`,
    // Opaque text, then one opacity for the whole layer (drawtext's own alpha compounds on a transparent canvas).
    `colorchannelmixer=aa=${TILE_ALPHA}`,
  ].join(',');
}

/** The first frame of every `everySec` bucket of media time: [0, N), [N, 2N), … (a bucket inside a gap has none). */
export function thumbnailSelect(everySec: number): string {
  const n = String(everySec);
  return `isnan(prev_selected_t)+gte(floor(t/${n})-floor(prev_selected_t/${n}),1)`;
}

/**
 * The one FFmpeg pass that makes every derived file from the archived recording:
 *  - final.mp4: H.264 (x264 `preset`/`crf`, one thread) with the tiled watermark, the timestamp
 *    (top left) and the banner (bottom left) burned in; the audio copied;
 *  - audio.m4a: the recording's AAC audio copied bit for bit (no second encode);
 *  - thumbs.nut: the first frame of every thumbnail interval, marked like final.mp4, scaled to
 *    `thumbnailWidth`.
 * Decoding, filters and the encoder each run on one thread. Frame timestamps pass through in the
 * recording's time base (not rounded to a frame grid), so the outputs keep its timeline, gaps
 * included. Pure; paths of the text files
 * are relative to FFmpeg's working folder.
 */
export function buildDeriveArgs(src: DeriveSource, text: DeriveText, font: FontChoice, cfg: FinalizeConfig, thumbnailEverySec: number, out: DeriveOutputs): string[] {
  const L = deriveLayout(src.width, src.height, cfg.maxHeight);
  const face = drawtextFont(font);
  const graph: string[] = [`${tileLayer(face, L, text.tile)},format=yuva420p[wm]`];
  const scale = L.width !== src.width || L.height !== src.height ? `scale=${L.width}:${L.height},` : '';
  graph.push(`[0:v:0]${scale}format=yuv420p[src]`);
  const marks = [`[src][wm]overlay=${filterOptions({ x: 0, y: 0, eof_action: 'repeat', format: 'yuv420' })}`];
  for (const { span, file } of text.timestamps) {
    const enable = span.toSec === null ? (span.fromSec > 0 ? `gte(t,${span.fromSec})` : null) : `between(t,${span.fromSec},${span.toSec - 0.0005})`;
    marks.push(
      `drawtext=${filterOptions({ ...face, textfile: file, fontsize: L.timestampFont, fontcolor: 'white', box: 1, boxcolor: 'black@0.6', boxborderw: Math.round(L.timestampFont / 4), x: L.margin, y: L.margin, ...(enable ? { enable } : {}) })}`,
    );
  }
  marks.push(
    `drawtext=${filterOptions({ ...face, textfile: text.banner, expansion: 'none', fontsize: L.bannerFont, fontcolor: 'white@0.92', box: 1, boxcolor: 'black@0.5', boxborderw: Math.round(L.bannerFont / 3), line_spacing: Math.round(L.bannerFont / 3), x: L.margin, y: 'h-th-' + String(L.margin) })}`,
  );
  marks.push('split=2[vout][vthumb]');
  graph.push(marks.join(','));
  graph.push(`[vthumb]select=${filterValue(thumbnailSelect(thumbnailEverySec))},scale=${cfg.thumbnailWidth}:-2[thumbs]`);

  const audioCodec = src.audio === 'aac' ? ['-c:a', 'copy'] : ['-c:a', 'aac', '-b:a', '96k'];
  const args = ['-threads', '1', '-i', src.path, '-filter_threads', '1', '-filter_complex_threads', '1', '-filter_complex', graph.join(';'), '-vsync', 'passthrough'];
  args.push('-map', '[vout]');
  if (src.audio) args.push('-map', '0:a:0', ...audioCodec);
  args.push(
    '-c:v', 'libx264', '-threads', '1', '-preset', cfg.preset, '-crf', String(cfg.crf), '-pix_fmt', 'yuv420p',
    '-force_key_frames', `expr:gte(t,n_forced*${KEYFRAME_SEC})`, '-enc_time_base:v', '-1',
    '-movflags', '+faststart', out.video,
  );
  if (src.audio) args.push('-map', '0:a:0', '-vn', ...audioCodec, '-movflags', '+faststart', out.audio);
  args.push('-map', '[thumbs]', '-c:v', 'rawvideo', '-enc_time_base:v', '-1', '-f', 'nut', out.thumbs);
  return args;
}
