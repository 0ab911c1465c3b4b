/**
 * Pure parsers of FFmpeg's capability listings (`-devices`, `-muxers`, `-encoders`, `-filters`)
 * and the feature check built on them. No I/O: the runner lives in ffmpeg.ts.
 *
 * The listings changed shape across versions (FFmpeg 5 prints two flag columns for formats,
 * FFmpeg >= 7.1 three with a `d` "is a device" column; the filter flags lost a column), so the
 * parsers read the flag width from the legend and recognise rows by their shape, not by offsets
 * measured on one build.
 */

export interface FormatRow {
  /** Every alias of the row: `video4linux2,v4l2` gives both names. */
  names: string[];
  demux: boolean;
  mux: boolean;
}

const SEPARATOR = /^\s*-{2,}\s*$/;

function rowsAfterSeparator(text: string): string[] {
  const lines = text.split(/\r?\n/);
  const at = lines.findIndex((l) => SEPARATOR.test(l));
  return (at < 0 ? [] : lines.slice(at + 1)).filter((l) => l.trim() !== '');
}

/** `-devices`, `-muxers`, `-demuxers`, `-formats`. */
export function parseFormatList(text: string): FormatRow[] {
  const legend = /^\s*(D\.+)\s+=/m.exec(text);
  const width = legend ? legend[1]!.length : 2;
  const rows: FormatRow[] = [];
  for (const line of rowsAfterSeparator(text)) {
    if (!line.startsWith(' ') || line.length < width + 3) continue;
    const flags = line.slice(1, 1 + width);
    const name = /^\s*(\S+)/.exec(line.slice(1 + width))?.[1];
    if (!name || !/^[DEd. ]+$/.test(flags)) continue;
    rows.push({ names: name.split(','), demux: flags[0] === 'D', mux: flags[1] === 'E' });
  }
  return rows;
}

/** `-encoders` (or `-decoders`): names of the rows after the `------` line. */
export function parseCodecList(text: string): string[] {
  const names: string[] = [];
  for (const line of rowsAfterSeparator(text)) {
    const m = /^\s*[VAS][A-Z.]{5}\s+(\S+)/.exec(line);
    if (m) names.push(m[1]!);
  }
  return names;
}

/** `-filters`: rows are recognised by their `in->out` pad signature (e.g. `VV->V`). */
export function parseFilterList(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*[A-Z.|]{2,4}\s+(\S+)\s+[AVN|]+->[AVN|]+\s/.exec(line);
    if (m) names.push(m[1]!);
  }
  return names;
}

export interface FfmpegLists {
  devices: string;
  muxers: string;
  encoders: string;
  filters: string;
}

export const FFMPEG_FEATURES = [
  'lavfi', 'x11grab', 'v4l2', 'pulse', 'alsa', 'dshow', 'gdigrab', 'ddagrab', 'avfoundation',
  'libx264', 'aac', 'segment', 'mpegts', 'overlay', 'scale2ref', 'drawtext',
] as const;
export type FfmpegFeature = (typeof FFMPEG_FEATURES)[number];

export type CapturePlatform = 'linux' | 'win32' | 'darwin';

/**
 * One requirement: satisfied when the binary has any of `anyOf`. `required` gaps stop recording
 * (or the archive); `recommended` gaps have a working fallback.
 */
export interface FeatureNeed {
  anyOf: FfmpegFeature[];
  level: 'required' | 'recommended';
  why: string;
}

export interface FeatureReport {
  platform: CapturePlatform;
  has: Record<FfmpegFeature, boolean>;
  /** Needs of this platform that the binary does not meet, required first. */
  missing: FeatureNeed[];
}

const COMMON_NEEDS: FeatureNeed[] = [
  { anyOf: ['lavfi'], level: 'required', why: 'fake camera/mic and the ddagrab screen come through lavfi' },
  { anyOf: ['libx264'], level: 'required', why: 'H.264 video encoding' },
  { anyOf: ['aac'], level: 'required', why: 'AAC audio encoding' },
  { anyOf: ['segment'], level: 'required', why: 'the recorder cuts segments with the segment muxer' },
  { anyOf: ['mpegts'], level: 'required', why: 'segments are MPEG-TS' },
  { anyOf: ['overlay'], level: 'required', why: 'camera picture-in-picture over the screen' },
  { anyOf: ['scale2ref'], level: 'required', why: 'sizes the picture-in-picture to the screen' },
  { anyOf: ['drawtext'], level: 'recommended', why: 'timestamp and watermark burn-in on the archive' },
];

const PLATFORM_NEEDS: Record<CapturePlatform, FeatureNeed[]> = {
  linux: [
    { anyOf: ['v4l2'], level: 'required', why: 'camera input (Video4Linux2)' },
    { anyOf: ['pulse', 'alsa'], level: 'required', why: 'microphone input' },
    { anyOf: ['pulse'], level: 'recommended', why: 'PulseAudio/PipeWire microphone input (ALSA alone bypasses the desktop mixer)' },
    { anyOf: ['x11grab'], level: 'required', why: 'screen capture (X11)' },
  ],
  win32: [
    { anyOf: ['dshow'], level: 'required', why: 'camera and microphone input (DirectShow)' },
    { anyOf: ['gdigrab', 'ddagrab'], level: 'required', why: 'screen capture' },
  ],
  darwin: [{ anyOf: ['avfoundation'], level: 'required', why: 'camera, microphone and screen input' }],
};

/** What the four listings say the binary can do, and which of the platform's needs it misses. */
export function featuresFromLists(lists: FfmpegLists, platform: CapturePlatform): FeatureReport {
  const inputDevices = new Set(parseFormatList(lists.devices).filter((r) => r.demux).flatMap((r) => r.names));
  const muxers = new Set(parseFormatList(lists.muxers).filter((r) => r.mux).flatMap((r) => r.names));
  const encoders = new Set(parseCodecList(lists.encoders));
  const filters = new Set(parseFilterList(lists.filters));
  const has = {} as Record<FfmpegFeature, boolean>;
  for (const f of FFMPEG_FEATURES) {
    if (f === 'libx264' || f === 'aac') has[f] = encoders.has(f);
    else if (f === 'segment' || f === 'mpegts') has[f] = muxers.has(f);
    // ddagrab is a lavfi source filter (FFmpeg >= 6), not a device.
    else if (f === 'overlay' || f === 'scale2ref' || f === 'drawtext' || f === 'ddagrab') has[f] = filters.has(f);
    else has[f] = inputDevices.has(f);
  }
  const missing = [...COMMON_NEEDS, ...PLATFORM_NEEDS[platform]]
    .filter((n) => !n.anyOf.some((f) => has[f]))
    .sort((a, b) => (a.level === b.level ? 0 : a.level === 'required' ? -1 : 1));
  return { platform, has, missing };
}

/** The current platform as a capture platform, or null where dualrec does not capture. */
export function capturePlatform(platform: NodeJS.Platform = process.platform): CapturePlatform | null {
  return platform === 'linux' || platform === 'win32' || platform === 'darwin' ? platform : null;
}
