/** Screenshots in the first minute of a session: every 5 s (12 per minute). */
export const FIRST_MINUTE_EVERY_SEC = 5;
/** After the first minute: every 20 s (3 per minute). */
export const LATER_EVERY_SEC = 20;

/**
 * The sample times (seconds since the recording began) in [fromSec, toSec): 0, 5, 10 … 55, then
 * 60, 80, 100 … Pure; a segment covering [start, start + duration) asks for its own times.
 */
export function screenshotTimes(fromSec: number, toSec: number): number[] {
  const out: number[] = [];
  if (!(toSec > fromSec) || !Number.isFinite(fromSec) || !Number.isFinite(toSec)) return out;
  const from = Math.max(0, fromSec);
  // `|| 0` turns Math.ceil's -0 (from a tiny negative) into 0.
  let t = (from <= 60 ? Math.ceil(from / FIRST_MINUTE_EVERY_SEC - 1e-9) * FIRST_MINUTE_EVERY_SEC : 60 + Math.ceil((from - 60) / LATER_EVERY_SEC - 1e-9) * LATER_EVERY_SEC) || 0;
  while (t < toSec) {
    out.push(t);
    t += t < 60 ? FIRST_MINUTE_EVERY_SEC : LATER_EVERY_SEC;
  }
  return out;
}
