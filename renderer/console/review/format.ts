// Pure formatting for the review console (no DOM, no Vue): times in a recording, dates, periods.

/** `m:ss`, or `h:mm:ss` past an hour, for a number of seconds into a recording. */
export function clock(sec: number): string {
  const s = Math.max(0, Math.floor(sec));
  const h = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/** A date and time for people, in the console's language (and the browser's time zone unless given). */
export function dateTime(iso: string, locale: string, timeZone?: string): string {
  return new Date(iso).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) });
}

/** `YYYY-MM-DD` of a Date in local time (what <input type="date"> holds). */
export function dateInput(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * The ISO instant where a local `YYYY-MM-DD` day begins, or (`end`) where the next day begins, so
 * `from`..`to` covers whole days. Null for an empty or malformed value.
 */
export function dayBound(day: string, end = false): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + (end ? 1 : 0));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The last `days` days up to and including today, as date-input values. */
export function lastDays(days: number, now = new Date()): { from: string; to: string } {
  const from = new Date(now.getFullYear(), now.getMonth(), now.getDate() - (days - 1));
  return { from: dateInput(from), to: dateInput(now) };
}

/** A share 0..1 as a whole percentage. */
export function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

/** Minutes as `12 min` or `3.5 h`. */
export function minutes(min: number | null): string {
  if (min === null) return '—';
  return min < 120 ? `${Math.round(min)} min` : `${(min / 60).toFixed(1)} h`;
}
