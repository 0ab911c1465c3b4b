import { readdir, stat, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { FfmpegInfo } from '../../platform/ffmpeg.js';
import type { Logger } from '../../platform/log.js';
import { probeMedia } from '../../platform/probe.js';
import type { ClosedSegment } from './recorder.js';

const TS_PACKET = 188;

/**
 * After FFmpeg died, turns the segment files it had open (never announced) into closed segments:
 * cut to whole 188-byte MPEG-TS packets, kept when they hold video, deleted when empty or
 * unreadable. With `flush_packets=1` and zerolatency encoding these hold all but ~0.1 s of what
 * was captured before the kill. Returned in file order.
 */
export async function salvageOpenSegments(ff: FfmpegInfo, spoolDir: string, announced: ReadonlySet<string>, log: Logger): Promise<ClosedSegment[]> {
  let names: string[];
  try {
    names = (await readdir(spoolDir)).filter((n) => /^seg-\d+\.ts$/.test(n) && !announced.has(n)).sort();
  } catch {
    return [];
  }
  const out: ClosedSegment[] = [];
  for (const name of names) {
    const path = join(spoolDir, name);
    const size = (await stat(path)).size;
    const whole = size - (size % TS_PACKET);
    if (whole === 0) {
      await unlink(path);
      continue;
    }
    if (whole !== size) await truncate(path, whole);
    try {
      const probe = await probeMedia(ff, path);
      const video = probe.streams.find((s) => s.codec_type === 'video');
      if (video?.start_time !== undefined && (video.duration ?? 0) > 0) {
        out.push({ path, listStartSec: video.start_time, listEndSec: video.start_time + (video.duration ?? 0) });
        continue;
      }
    } catch (err) {
      log.warn({ err: (err as Error).message, path }, 'open segment is unreadable');
    }
    log.warn({ path, bytes: size }, 'dropping an open segment without video');
    await unlink(path);
  }
  return out;
}
