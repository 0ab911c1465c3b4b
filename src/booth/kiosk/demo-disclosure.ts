import { execFile } from 'node:child_process';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { DependencyError } from '../../core/errors.js';
import type { FfmpegInfo } from '../../platform/ffmpeg.js';

const execFileAsync = promisify(execFile);

const LINES: Array<[string, number, string]> = [
  ['风险揭示 Risk disclosure (demo)', 40, 'white'],
  ['本产品不保证本金，收益可能为零或为负', 28, 'white'],
  ['Principal is not guaranteed; returns may be zero or negative', 22, '0xc9d6ea'],
];

/** drawtext needs `:` `'` `\` `%` escaped inside the filter graph. */
function escapeText(s: string): string {
  return s.replace(/[\\':%,]/g, (c) => `\\${c}`);
}

function textFilters(): string {
  const lines = LINES.map(([text, size, color], i) => `drawtext=font='Noto Sans CJK SC':text='${escapeText(text)}':fontcolor=${color}:fontsize=${size}:x=(w-tw)/2:y=h/4+${i * 60}`);
  lines.push(`drawtext=font='Noto Sans CJK SC':text='%{pts\\:hms}':fontcolor=0xffd48a:fontsize=30:x=(w-tw)/2:y=h*3/4`);
  return lines.join(',');
}

/**
 * Makes the demo product's disclosure video: a calm navy card with the disclosure text, a running
 * clock and a soft tone, `seconds` long, as WebM (VP8 + Opus, which every Chromium plays). Written
 * to a temporary name and renamed, so a half-written file is never served. Without a usable CJK
 * font (drawtext), the card is made without text.
 */
export async function makeDemoDisclosure(ff: FfmpegInfo, file: string, seconds: number): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp.webm`;
  const run = (withText: boolean) =>
    execFileAsync(
      ff.ffmpeg,
      [
        ...['-y', '-hide_banner', '-nostdin', '-v', 'error'],
        ...['-f', 'lavfi', '-i', `color=c=0x13315c:s=960x540:r=12:d=${seconds}`],
        ...['-f', 'lavfi', '-i', `sine=frequency=330:sample_rate=48000:duration=${seconds}`],
        ...(withText ? ['-vf', textFilters()] : []),
        ...['-af', 'volume=0.15', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k'],
        ...['-c:a', 'libopus', '-b:a', '48k', '-shortest', '-f', 'webm', tmp],
      ],
      { timeout: 120_000 },
    );
  try {
    try {
      await run(true);
    } catch {
      await run(false);
    }
    await rename(tmp, file);
  } catch (cause) {
    await rm(tmp, { force: true });
    throw new DependencyError('content.generate_failed', `cannot make the demo disclosure video with ${ff.ffmpeg} (needs libvpx and libopus): ${String(cause)}`, undefined, { cause });
  }
}
