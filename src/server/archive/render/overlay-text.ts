import type { WatermarkInfo } from '../watermark.js';
import { offsetLabel, type ZoneSpan } from './time-zone.js';

/** The confidentiality label of every derived video frame. */
export const CONFIDENTIAL = 'CONFIDENTIAL';
export const CONFIDENTIAL_ZH = '机密';

/** Longest branch or booth name shown; longer names are cut with "…". */
const MAX_NAME = 40;

/**
 * A name as one safe line of burned-in text: control and format characters (line breaks, bidi
 * overrides) removed, runs of whitespace collapsed, at most `max` characters.
 */
export function cleanLabel(s: string, max = MAX_NAME): string {
  const one = s.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, ' ').replace(/\s+/g, ' ').trim();
  const chars = [...one];
  if (chars.length === 0) return '–';
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : one;
}

export function confidentialLabel(cjk: boolean): string {
  return cjk ? `${CONFIDENTIAL} ${CONFIDENTIAL_ZH}` : CONFIDENTIAL;
}

/**
 * The banner in the lower left, two lines:
 *   CONFIDENTIAL 机密 | session <uuid>
 *   branch: <branch> | booth: <booth>
 * Drawn with drawtext expansion off, so names are shown literally.
 */
export function bannerText(w: WatermarkInfo, cjk: boolean): string {
  return `${confidentialLabel(cjk)} | session ${w.sessionId}\nbranch: ${w.branch === null ? '–' : cleanLabel(w.branch)} | booth: ${cleanLabel(w.booth)}`;
}

/** The phrase tiled diagonally over the whole picture. */
export function tilePhrase(w: WatermarkInfo, cjk: boolean): string {
  const branch = w.branch === null ? '' : `${cleanLabel(w.branch, 20)} | `;
  return `${confidentialLabel(cjk)} | ${branch}${cleanLabel(w.booth, 20)} | ${w.sessionId.slice(0, 8)}`;
}

/** Rough rendered width of `text` at `fontSize` px: CJK glyphs are square, Latin about 0.62 em. */
export function estimateWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const ch of text) em += /[\u2E80-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF\uFF00-\uFFEF]/u.test(ch) ? 1 : 0.62;
  return em * fontSize;
}

/**
 * The tiled watermark as multi-line text covering a `size` x `size` canvas: each line repeats the
 * phrase, every other line shifted by half a phrase, so the pattern has no clean column to crop.
 */
export function tileText(phrase: string, fontSize: number, size: number, lineSpacing: number): string {
  const gap = '      ';
  const unit = `${phrase}${gap}`;
  const repeat = Math.ceil(size / Math.max(1, estimateWidth(unit, fontSize))) + 2;
  const lineCount = Math.ceil(size / (fontSize + lineSpacing)) + 1;
  const shift = ' '.repeat(Math.ceil([...phrase].length / 2));
  return Array.from({ length: lineCount }, (_, i) => `${i % 2 === 1 ? shift : ''}${unit.repeat(repeat)}`).join('\n');
}

/**
 * The timestamp line for one span of constant UTC offset, as drawtext text with expansion on:
 * wall clock (recording start + media time, in the zone) with the zone named, then the media time.
 *   2025-03-14 09:59:36 UTC+08:00 Asia/Shanghai · rec 00:00:10.021
 * `startMs` is the session's recorded start (epoch ms).
 */
export function timestampText(startMs: number, span: ZoneSpan, timeZone: string): string {
  const base = (startMs + span.offsetMin * 60_000) / 1000;
  return `%{pts:gmtime:${base.toFixed(3)}:%Y-%m-%d %H\\:%M\\:%S} ${offsetLabel(span.offsetMin)} ${timeZone} | rec %{pts:hms}`;
}
