/**
 * Wall-clock time in a named IANA time zone for the burned-in timestamp. Pure (Intl only): the
 * offsets come from Node's ICU time zone data, so the FFmpeg child needs no tzdata and cannot
 * silently fall back to UTC when a zone file is missing.
 */

/** True when `tz` is an IANA zone name this runtime knows (e.g. Asia/Shanghai, UTC). */
export function isTimeZone(tz: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at `epochMs`, in minutes (Asia/Shanghai: 480). */
export function zoneOffsetMinutes(tz: string, epochMs: number): number {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' });
    formatters.set(tz, f);
  }
  const name = f.formatToParts(new Date(epochMs)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /^GMT(?:([+-])(\d{1,2})(?::(\d{2}))?)?$/.exec(name);
  if (!m) throw new Error(`unexpected time zone offset ${JSON.stringify(name)} for ${tz}`);
  if (!m[1]) return 0;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return m[1] === '-' ? -minutes : minutes;
}

/** "UTC+08:00", "UTC-03:30", "UTC+00:00". */
export function offsetLabel(offsetMin: number): string {
  const sign = offsetMin < 0 ? '-' : '+';
  const a = Math.abs(offsetMin);
  return `UTC${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** A stretch of media time with one UTC offset. `toSec` null: to the end. */
export interface ZoneSpan {
  fromSec: number;
  toSec: number | null;
  offsetMin: number;
}

/**
 * Splits media time [0, durationSec] of a recording that started at `startMs` into spans of
 * constant UTC offset: one span, unless a daylight-saving change falls inside the recording.
 * Offsets are sampled every 15 minutes (no zone changes its offset twice within that) and each
 * change is located to the millisecond.
 */
export function zoneSpans(tz: string, startMs: number, durationSec: number): ZoneSpan[] {
  const step = 900;
  const atMs = (ms: number) => zoneOffsetMinutes(tz, startMs + ms);
  const spans: ZoneSpan[] = [{ fromSec: 0, toSec: null, offsetMin: atMs(0) }];
  let prev = 0;
  for (let t = Math.min(step, durationSec); ; t = Math.min(t + step, durationSec)) {
    const current = spans.at(-1)!;
    const off = atMs(t * 1000);
    if (off !== current.offsetMin) {
      // The change lies in (prev, t]: find its millisecond.
      let lo = Math.floor(prev * 1000);
      let hi = Math.ceil(t * 1000);
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (atMs(mid) === current.offsetMin) lo = mid;
        else hi = mid;
      }
      current.toSec = hi / 1000;
      spans.push({ fromSec: hi / 1000, toSec: null, offsetMin: off });
    }
    if (t >= durationSec) break;
    prev = t;
  }
  return spans;
}
