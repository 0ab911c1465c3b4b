/** Pure parsers of the Linux device listings dualrec reads. Unit-tested on fixture text. */

export interface V4l2Format {
  kind: 'raw' | 'compressed';
  /** FFmpeg name, as `-input_format` takes it: `yuyv422`, `mjpeg`, ... */
  format: string;
  /** Discrete sizes (`640x480`), or one stepwise range as printed (`{32-1920, 2}x{32-1080, 2}`). */
  sizes: string[];
  emulated: boolean;
}

/**
 * stderr of `ffmpeg -f v4l2 -list_formats all -i /dev/videoN` (libavdevice/v4l2.c prints
 * `Raw       : %11s : %20s :` [` Emulated :`] then ` WxH` per size or one stepwise range).
 * Empty for metadata-only nodes; formats FFmpeg calls `Unsupported` are left out.
 */
export function parseV4l2Formats(stderr: string): V4l2Format[] {
  const out: V4l2Format[] = [];
  for (const line of stderr.split(/\r?\n/)) {
    const m = /\]\s*(Raw|Compressed)\s*:\s*(\S+)\s+:\s*(.*?)\s+:(.*)$/.exec(line);
    if (!m || m[2] === 'Unsupported') continue;
    let sizes = m[4]!.trim();
    const emulated = /^Emulated\s*:/.test(sizes);
    if (emulated) sizes = sizes.replace(/^Emulated\s*:/, '').trim();
    out.push({
      kind: m[1] === 'Raw' ? 'raw' : 'compressed',
      format: m[2]!,
      sizes: sizes.startsWith('{') ? [sizes] : (sizes.match(/\d+x\d+/g) ?? []),
      emulated,
    });
  }
  return out;
}

export interface PulseSource {
  name: string;
  sampleSpec: string;
  state: string;
  /** A monitor records what an output plays, not a microphone. */
  monitor: boolean;
}

/** `pactl list short sources`: tab-separated index, name, driver, sample spec, state. */
export function parsePactlSources(stdout: string): PulseSource[] {
  const out: PulseSource[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const cols = line.split('\t');
    if (cols.length < 4 || !/^\d+$/.test(cols[0]!)) continue;
    const name = cols[1]!;
    out.push({ name, sampleSpec: cols[3]!, state: cols[4] ?? 'UNKNOWN', monitor: name.endsWith('.monitor') });
  }
  return out;
}

export interface AlsaCapture {
  cardId: string;
  card: number;
  device: number;
  label: string;
}

/** `arecord -l`: `card 0: PCH [HDA Intel PCH], device 0: ALC3246 Analog [ALC3246 Analog]`. */
export function parseArecordList(stdout: string): AlsaCapture[] {
  const out: AlsaCapture[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^card (\d+): (\S+) \[(.*)\], device (\d+): (.*?) \[(.*)\]\s*$/.exec(line);
    if (m) out.push({ card: Number(m[1]), cardId: m[2]!, device: Number(m[4]), label: `${m[3]}: ${m[6] || m[5]}` });
  }
  return out;
}

/**
 * /proc/asound/cards (` 0 [PCH            ]: HDA-Intel - HDA Intel PCH`) and /proc/asound/pcm
 * (`00-00: ALC3246 Analog : ALC3246 Analog : playback 1 : capture 1`): the capture PCMs, for
 * machines without alsa-utils.
 */
export function parseProcAsound(cards: string, pcm: string): AlsaCapture[] {
  const ids = new Map<number, { id: string; name: string }>();
  for (const line of cards.split(/\r?\n/)) {
    const m = /^\s*(\d+)\s+\[(\S+)\s*\]:\s*\S+\s+-\s+(.*)$/.exec(line);
    if (m) ids.set(Number(m[1]), { id: m[2]!, name: m[3]!.trim() });
  }
  const out: AlsaCapture[] = [];
  for (const line of pcm.split(/\r?\n/)) {
    const m = /^(\d+)-(\d+):\s*(.*?)\s*:.*\bcapture \d+/.exec(line);
    if (!m) continue;
    const card = Number(m[1]);
    const info = ids.get(card);
    if (!info) continue;
    out.push({ card, cardId: info.id, device: Number(m[2]), label: `${info.name}: ${m[3]}` });
  }
  return out;
}

/** `xdpyinfo`: one size per screen, in screen order (`  dimensions:    1280x720 pixels (...)`). */
export function parseXdpyinfo(stdout: string): Array<{ screen: number; width: number; height: number }> {
  const out: Array<{ screen: number; width: number; height: number }> = [];
  let screen = -1;
  for (const line of stdout.split(/\r?\n/)) {
    const s = /^screen #(\d+):/.exec(line);
    if (s) screen = Number(s[1]);
    const d = /^\s+dimensions:\s+(\d+)x(\d+) pixels/.exec(line);
    if (d && screen >= 0) out.push({ screen, width: Number(d[1]), height: Number(d[2]) });
  }
  return out;
}

/** The first video stream's size in FFmpeg's input dump (`Stream #0:0: Video: rawvideo ..., 1280x720, ...`). */
export function parseProbedVideoSize(stderr: string): { width: number; height: number } | null {
  const m = /Stream #\d+:\d+.*?: Video: .*?, (\d{2,5})x(\d{2,5})\b/.exec(stderr);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : null;
}
