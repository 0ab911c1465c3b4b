// Chart geometry for the review console's SVG charts (face presence over time, review throughput):
// pure functions from data to coordinates, so the scaling is tested without a browser.
import type { FaceSample } from '../../../src/protocol/review.js';

/** A linear map from [d0, d1] onto [r0, r1] (a zero-width domain maps everything to r0). */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0;
  return (v) => (span === 0 ? r0 : r0 + ((v - d0) / span) * (r1 - r0));
}

/** The smallest 1, 2 or 5 × 10ⁿ at or above `v` (at least 1): a readable top for an axis. */
export function niceMax(v: number): number {
  if (!(v > 1)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** Axis ticks 0..max in whole 1, 2 or 5 × 10ⁿ steps, at most `intervals` of them. */
export function ticks(max: number, intervals = 5): number[] {
  let step = 1;
  for (let p = 1; max / step > intervals; p *= 10) step = [1, 2, 5, 10].map((m) => m * p).find((s) => max / s <= intervals) ?? 10 * p;
  const out: number[] = [];
  for (let v = 0; v <= max; v += step) out.push(v);
  return out;
}

export type Presence = 'absent' | 'one' | 'many';

export interface PresenceRun {
  state: Presence;
  startSec: number;
  endSec: number;
}

export function presenceOf(faces: number): Presence {
  return faces === 0 ? 'absent' : faces === 1 ? 'one' : 'many';
}

/**
 * Consecutive samples with the same presence joined into runs; each sample stands for the
 * `everySec` after it (the last one ends at `durationSec` at most). Samples are sorted first.
 */
export function presenceRuns(samples: readonly FaceSample[], everySec: number, durationSec: number): PresenceRun[] {
  const sorted = [...samples].sort((a, b) => a.atSec - b.atSec);
  const runs: PresenceRun[] = [];
  for (const s of sorted) {
    const state = presenceOf(s.faces);
    const end = Math.min(s.atSec + everySec, Math.max(durationSec, s.atSec));
    const last = runs.at(-1);
    if (last && last.state === state && s.atSec <= last.endSec + 1e-9) last.endSec = Math.max(last.endSec, end);
    else runs.push({ state, startSec: s.atSec, endSec: end });
  }
  return runs;
}

/**
 * The face-distance line as SVG polyline point lists (one list per stretch of samples that have a
 * distance; samples without one break the line). `x` maps seconds, `y` maps distance.
 */
export function distanceLines(samples: readonly FaceSample[], x: (sec: number) => number, y: (d: number) => number): string[] {
  const lines: string[][] = [];
  let cur: string[] | null = null;
  for (const s of [...samples].sort((a, b) => a.atSec - b.atSec)) {
    if (s.distance === null) {
      cur = null;
      continue;
    }
    if (!cur) lines.push((cur = []));
    cur.push(`${round(x(s.atSec))},${round(y(s.distance))}`);
  }
  return lines.map((l) => l.join(' '));
}

type Day = { day: string; decisions: number; overturned: number };

/**
 * Every day from `from` to `to` (YYYY-MM-DD, inclusive, at most `maxDays`), with the counts the
 * server gave and zero for the days it did not list, so the chart's time axis is even.
 */
export function fillDays(days: readonly Day[], from: string, to: string, maxDays = 366): Day[] {
  const given = new Map(days.map((d) => [d.day, d]));
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) return [...days];
  const out: Day[] = [];
  for (let t = start; t <= end && out.length < maxDays; t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    out.push(given.get(day) ?? { day, decisions: 0, overturned: 0 });
  }
  for (const d of days) if (!out.some((o) => o.day === d.day)) out.push(d);
  return out.sort((a, b) => a.day.localeCompare(b.day));
}

export interface Bar {
  day: string;
  decisions: number;
  overturned: number;
  x: number;
  width: number;
  /** The whole bar (decisions) and its overturned part, from the baseline up. */
  y: number;
  height: number;
  overY: number;
  overHeight: number;
}

/** Bars for decisions per day in a `width` × `height` plot (baseline at `height`), with `max` at the top; a bar is at most `maxBar` wide. */
export function throughputBars(days: readonly Day[], width: number, height: number, max: number, maxBar = Infinity): Bar[] {
  if (days.length === 0) return [];
  const slot = width / days.length;
  const barW = Math.min(maxBar, Math.max(1, slot * 0.7));
  const h = linear(0, max, 0, height);
  return days.map((d, i) => {
    const total = h(d.decisions);
    const over = h(Math.min(d.overturned, d.decisions));
    return { day: d.day, decisions: d.decisions, overturned: d.overturned, x: round(i * slot + (slot - barW) / 2), width: round(barW), y: round(height - total), height: round(total), overY: round(height - over), overHeight: round(over) };
  });
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
