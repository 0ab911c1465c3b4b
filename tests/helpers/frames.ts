// Reading frames of rendered video back for checks: raw gray pixels, and OCR with Debian's
// tesseract-ocr (+ chi_sim), installed by scripts/setup.sh.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FfmpegInfo } from '../../src/platform/ffmpeg.js';

const execFileAsync = promisify(execFile);

/** One frame (the one shown at `atSec`) as 8-bit gray pixels, after an optional filter chain. */
export async function grayFrame(ff: FfmpegInfo, file: string, atSec: number, filter = 'null'): Promise<Buffer> {
  const { stdout } = await execFileAsync(ff.ffmpeg, ['-v', 'error', '-ss', String(atSec), '-i', file, '-frames:v', '1', '-vf', `${filter},format=gray`, '-f', 'rawvideo', '-'], {
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** Writes the frame shown at `atSec` as PNG after a filter chain (crop, scale for OCR…). */
export async function framePng(ff: FfmpegInfo, file: string, atSec: number, out: string, filter = 'null'): Promise<void> {
  await execFileAsync(ff.ffmpeg, ['-v', 'error', '-y', '-ss', String(atSec), '-i', file, '-frames:v', '1', '-vf', filter, out]);
}

/** Text tesseract reads in an image (`psm` 7: one line, 6: a block). */
export async function ocr(png: string, o: { lang: string; psm: number }): Promise<string> {
  const { stdout } = await execFileAsync('tesseract', [png, 'stdout', '--psm', String(o.psm), '-l', o.lang], { timeout: 60_000 });
  return stdout;
}

/**
 * Frame filters that make white burned-in text on a dark box OCR-friendly: crop, then black text
 * on white either by a threshold (the box keeps the picture below 170) or by inverting, enlarged.
 * Tesseract misreads small CJK text under one preprocessing and not another, so checks read with
 * each and accept when one reading holds everything expected (a missing or wrong overlay fails all).
 */
export function ocrCrops(x: number, y: number, w: number, h: number): string[] {
  const crop = `crop=${w}:${h}:${x}:${y},format=gray`;
  const threshold = "lutyuv=y='if(gt(val,170),0,255)'";
  return [2, 3, 4].flatMap((k) => [`${crop},${threshold},scale=iw*${k}:ih*${k}:flags=bicubic`, `${crop},negate,scale=iw*${k}:ih*${k}:flags=bicubic`]);
}

/**
 * Reads the frame at `atSec` of `file` under each of `filters` in turn until `accept` holds for a
 * reading; returns the readings made (the last one accepted, or all of them when none was).
 */
export async function ocrFrame(ff: FfmpegInfo, file: string, atSec: number, filters: string[], o: { lang: string; psm: number; workDir: string; accept: (text: string) => boolean }): Promise<string[]> {
  const texts: string[] = [];
  for (const [i, f] of filters.entries()) {
    const png = join(o.workDir, `ocr-${atSec}-${i}.png`);
    await framePng(ff, file, atSec, png, f);
    texts.push((await ocr(png, o)).replace(/[ \t]+/g, ' ').trim());
    if (o.accept(texts.at(-1)!)) break;
  }
  return texts;
}

/** OCR text with the usual look-alikes folded (O o → 0, l I → 1), for comparing digits exactly. */
export function foldLookalikes(s: string): string {
  return s.replace(/[Oo]/g, '0').replace(/[lI]/g, '1').replace(/[ \t]+/g, ' ');
}

/**
 * A reading that holds each of `exact` character for character (look-alike letters folded, case
 * and spaces ignored: digits must be right) and, if given, `near` within three edits (names OCR
 * may smudge; another name differs in more).
 */
export function readsAs(exact: string[], near?: string): (text: string) => boolean {
  const squash = (x: string) => foldLookalikes(x).replace(/\s/g, '').toLowerCase();
  return (text) => exact.every((e) => squash(text).includes(squash(e))) && (near === undefined || substringEdits(squash(text), squash(near)) <= 3);
}

/** Fewest edits (insert, delete, replace) that turn some substring of `text` into `expected` (Sellers). */
export function substringEdits(text: string, expected: string): number {
  let prev = Array.from({ length: text.length + 1 }, () => 0);
  for (let i = 1; i <= expected.length; i++) {
    const cur = [i];
    for (let j = 1; j <= text.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (expected[i - 1] === text[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return Math.min(...prev);
}
