import type { FontChoice } from './fonts.js';

/**
 * Escapes a value for one filter option inside an FFmpeg filtergraph. FFmpeg unescapes twice: the
 * graph parser (special: \ ' [ ] , ;) and then the filter's option parser (special: \ ' :), so the
 * value is escaped for the option parser first and the result again for the graph parser.
 * Leading or trailing whitespace would be trimmed by FFmpeg and is refused.
 */
export function filterValue(value: string): string {
  if (value !== value.trim() || value === '') throw new Error(`filter option value ${JSON.stringify(value)} is empty or has leading/trailing whitespace`);
  if (/[\n\r]/.test(value)) throw new Error(`filter option value ${JSON.stringify(value)} contains a line break`);
  const option = value.replace(/[\\':]/g, (c) => `\\${c}`);
  return option.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

/** `key=value:key=value` with each value escaped. */
export function filterOptions(opts: Record<string, string | number>): string {
  return Object.entries(opts)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? String(v) : filterValue(v)}`)
    .join(':');
}

/**
 * drawtext's font options: `fontfile` for a face-0 font; a face inside a collection (Noto's
 * Simplified Chinese face is face 2 of its .ttc) by family name through fontconfig, which opens
 * the same file and face that fc-match named.
 */
export function drawtextFont(font: FontChoice): Record<string, string> {
  return font.index === 0 ? { fontfile: font.file } : { font: font.family };
}
