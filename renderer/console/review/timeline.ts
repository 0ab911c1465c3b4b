// The session page's timeline, as the view draws it: entries in time order with a place on the
// track (share of the recording); counts per kind for the filter; the findings placed in time.
import type { MachineFinding, ReviewTimelineEntry } from '../../../src/protocol/review.js';

export type TimelineKind = ReviewTimelineEntry['kind'];

export interface TimelineRow extends ReviewTimelineEntry {
  /** Stable key for the list. */
  key: string;
  /** 0..1 along the recording (clamped), for the marker on the track. */
  at: number;
}

/** Order of kinds at the same second: what happened before what it caused. */
const KIND_ORDER: readonly TimelineKind[] = ['flow', 'check', 'fault', 'gap', 'finding', 'screenshot'];

/** Sorts the entries by time (then kind), adds the track position, and drops kinds not in `show`. */
export function timelineRows(entries: readonly ReviewTimelineEntry[], durationSec: number, show: ReadonlySet<TimelineKind> = new Set(KIND_ORDER)): TimelineRow[] {
  return entries
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => show.has(e.kind))
    .sort((a, b) => a.e.atSec - b.e.atSec || KIND_ORDER.indexOf(a.e.kind) - KIND_ORDER.indexOf(b.e.kind) || a.i - b.i)
    .map(({ e, i }) => ({ ...e, key: `${e.kind}-${i}`, at: trackShare(e.atSec, durationSec) }));
}

/** Where `sec` lies along a recording of `durationSec` (0..1; 0 when the length is unknown). */
export function trackShare(sec: number, durationSec: number): number {
  if (!(durationSec > 0)) return 0;
  return Math.min(1, Math.max(0, sec / durationSec));
}

/** The findings the machine placed in time (what a click can seek to), earliest first. */
export function placedFindings(findings: readonly MachineFinding[]): (MachineFinding & { atSec: number })[] {
  return findings.filter((f): f is MachineFinding & { atSec: number } => f.atSec !== null).sort((a, b) => a.atSec - b.atSec);
}

/** How many entries of each kind (the filter chips' counts). */
export function countByKind(entries: readonly ReviewTimelineEntry[]): Record<TimelineKind, number> {
  const out = Object.fromEntries(KIND_ORDER.map((k) => [k, 0])) as Record<TimelineKind, number>;
  for (const e of entries) out[e.kind] += 1;
  return out;
}

export const TIMELINE_KINDS = KIND_ORDER;
