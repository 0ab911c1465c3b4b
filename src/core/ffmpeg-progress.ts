/** One `-progress` report of FFmpeg (emitted every `-stats_period` seconds). */
export interface FfmpegProgress {
  frame: number;
  fps: number;
  /** Media time written so far, seconds (of this FFmpeg run; the furthest output stream). */
  outTimeSec: number;
  dupFrames: number;
  dropFrames: number;
  /** Encoding speed relative to real time (1 = keeping up); null when FFmpeg reports N/A. */
  speed: number | null;
  /** True on the last report (`progress=end`). */
  ended: boolean;
}

function num(v: string | undefined): number {
  const n = Number(v?.trim());
  return Number.isFinite(n) ? n : 0;
}

/**
 * Splits FFmpeg's `-progress` output (key=value lines, each block ending in `progress=continue`
 * or `progress=end`) into typed reports. Feed it text chunks as they arrive.
 */
export class ProgressParser {
  private buf = '';
  private block: Record<string, string> = {};

  push(chunk: string): FfmpegProgress[] {
    this.buf += chunk;
    const out: FfmpegProgress[] = [];
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      const eq = line.indexOf('=');
      if (eq <= 0) continue;
      const key = line.slice(0, eq);
      const value = line.slice(eq + 1);
      if (key !== 'progress') {
        this.block[key] = value;
        continue;
      }
      const b = this.block;
      this.block = {};
      const speed = /^\s*([\d.]+)x$/.exec(b.speed ?? '');
      out.push({
        frame: num(b.frame),
        fps: num(b.fps),
        outTimeSec: num(b.out_time_us) / 1e6,
        dupFrames: num(b.dup_frames),
        dropFrames: num(b.drop_frames),
        speed: speed ? Number(speed[1]) : null,
        ended: value.trim() === 'end',
      });
    }
    return out;
  }
}
