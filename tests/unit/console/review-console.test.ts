// The review console's pure parts: formatting, the hash routes, the timeline's order and track
// places, the charts' scaling, and which console pages each role is offered.
import { describe, expect, it } from 'vitest';
import type { FaceSample, ReviewTimelineEntry } from '../../../src/protocol/review.js';
import { consolePages } from '../../../renderer/console/shared/pages.js';
import { queryString, refreshDelayMs } from '../../../renderer/console/shared/api-client.js';
import { distanceLines, fillDays, linear, niceMax, presenceRuns, throughputBars, ticks } from '../../../renderer/console/review/chart.js';
import { clock, dateInput, dayBound, lastDays, minutes, percent } from '../../../renderer/console/review/format.js';
import { parseRoute, routeHash } from '../../../renderer/console/review/route.js';
import { countByKind, placedFindings, timelineRows, trackShare } from '../../../renderer/console/review/timeline.js';

const SID = '0b6f3c1e-2d4a-4f7b-9c8d-1a2b3c4d5e6f';
const entry = (atSec: number, kind: ReviewTimelineEntry['kind'], label: string = kind): ReviewTimelineEntry => ({ atSec, kind, label, detail: '', flagged: false, screenshotId: null });
const sample = (atSec: number, faces: number, distance: number | null = null): FaceSample => ({ atSec, faces, distance });

describe('format', () => {
  it('clock: m:ss, h:mm:ss past an hour, never negative', () => {
    expect(clock(0)).toBe('0:00');
    expect(clock(9.99)).toBe('0:09');
    expect(clock(75)).toBe('1:15');
    expect(clock(3600 + 62)).toBe('1:01:02');
    expect(clock(-3)).toBe('0:00');
  });

  it('day bounds cover whole local days; malformed input is null', () => {
    expect(dayBound('2026-03-05')).toBe(new Date(2026, 2, 5).toISOString());
    expect(dayBound('2026-03-05', true)).toBe(new Date(2026, 2, 6).toISOString());
    expect(dayBound('2026-12-31', true)).toBe(new Date(2027, 0, 1).toISOString());
    for (const bad of ['', '2026-3-5', '05/03/2026', '2026-03-05T00:00']) expect(dayBound(bad)).toBeNull();
  });

  it('lastDays ends today and spans the number of days asked', () => {
    const now = new Date(2026, 0, 3, 15, 0);
    expect(lastDays(7, now)).toEqual({ from: '2025-12-28', to: '2026-01-03' });
    expect(lastDays(1, now)).toEqual({ from: '2026-01-03', to: '2026-01-03' });
    expect(dateInput(new Date(2026, 8, 9))).toBe('2026-09-09');
  });

  it('percent and minutes', () => {
    expect(percent(0.874)).toBe('87%');
    expect(minutes(null)).toBe('—');
    expect(minutes(12.4)).toBe('12 min');
    expect(minutes(210)).toBe('3.5 h');
  });
});

describe('routes', () => {
  it('parses and formats the pages; anything else is the list', () => {
    expect(parseRoute('')).toEqual({ page: 'sessions' });
    expect(parseRoute('#/sessions')).toEqual({ page: 'sessions' });
    expect(parseRoute('#/supervision')).toEqual({ page: 'supervision' });
    expect(parseRoute('#/live')).toEqual({ page: 'live' });
    expect(parseRoute(`#/sessions/${SID.toUpperCase()}`)).toEqual({ page: 'session', sessionId: SID });
    for (const bad of ['#/sessions/not-a-uuid', '#/sessions/../x', `#/sessions/${SID}/more`, '#/admin']) expect(parseRoute(bad)).toEqual({ page: 'sessions' });
    for (const r of [{ page: 'sessions' }, { page: 'supervision' }, { page: 'live' }, { page: 'session', sessionId: SID }] as const) expect(parseRoute(routeHash(r))).toEqual(r);
  });
});

describe('timeline', () => {
  it('orders by time, then by kind at the same second, keeping the given order otherwise', () => {
    const rows = timelineRows([entry(5, 'screenshot'), entry(5, 'finding'), entry(1, 'flow', 'b'), entry(1, 'flow', 'a'), entry(5, 'flow'), entry(3, 'check')], 10);
    expect(rows.map((r) => `${r.atSec}:${r.kind}:${r.label}`)).toEqual(['1:flow:b', '1:flow:a', '3:check:check', '5:flow:flow', '5:finding:finding', '5:screenshot:screenshot']);
    expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
  });

  it('places entries along the track, clamped, and filters kinds', () => {
    const rows = timelineRows([entry(0, 'flow'), entry(5, 'gap'), entry(12, 'fault')], 10, new Set(['flow', 'fault']));
    expect(rows.map((r) => [r.kind, r.at])).toEqual([['flow', 0], ['fault', 1]]);
    expect(trackShare(2.5, 10)).toBe(0.25);
    expect(trackShare(3, 0)).toBe(0);
  });

  it('counts kinds and lists the findings placed in time', () => {
    expect(countByKind([entry(1, 'flow'), entry(2, 'flow'), entry(3, 'gap')])).toEqual({ flow: 2, check: 0, fault: 0, gap: 1, finding: 0, screenshot: 0 });
    const f = (atSec: number | null) => ({ code: 'recording_gap' as const, severity: 'review' as const, message: 'm', atSec, endSec: null });
    expect(placedFindings([f(9), f(null), f(2)]).map((x) => x.atSec)).toEqual([2, 9]);
  });
});

describe('chart scaling', () => {
  it('linear maps a domain onto a range (inverted ranges too); a zero-width domain maps to the start', () => {
    const x = linear(0, 60, 40, 640);
    expect([x(0), x(30), x(60)]).toEqual([40, 340, 640]);
    const y = linear(0, 1, 100, 0);
    expect(y(0.25)).toBe(75);
    expect(linear(5, 5, 10, 20)(7)).toBe(10);
  });

  it('niceMax and ticks give readable axes', () => {
    expect([0, 1, 3, 7, 10, 11, 24, 180].map(niceMax)).toEqual([1, 1, 5, 10, 10, 20, 50, 200]);
    expect(ticks(1)).toEqual([0, 1]);
    expect(ticks(5)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(ticks(10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(ticks(20)).toEqual([0, 5, 10, 15, 20]);
    expect(ticks(500)).toEqual([0, 100, 200, 300, 400, 500]);
    expect(ticks(2000)).toEqual([0, 500, 1000, 1500, 2000]);
  });

  it('presence runs join samples of the same state and end at the recording end', () => {
    const runs = presenceRuns([sample(4, 0), sample(0, 1), sample(2, 1), sample(6, 0), sample(8, 2)], 2, 9);
    expect(runs).toEqual([
      { state: 'one', startSec: 0, endSec: 4 },
      { state: 'absent', startSec: 4, endSec: 8 },
      { state: 'many', startSec: 8, endSec: 9 },
    ]);
    expect(presenceRuns([], 2, 9)).toEqual([]);
  });

  it('the distance line breaks where a sample has no distance', () => {
    const lines = distanceLines([sample(0, 1, 0.2), sample(1, 1, 0.3), sample(2, 0), sample(3, 1, 0.4)], (s) => s * 10, (d) => d * 100);
    expect(lines).toEqual(['0,20 10,30', '30,40']);
  });

  it('throughput bars fill their slots, grow from the baseline and keep the overturned part inside', () => {
    const bars = throughputBars(
      [
        { day: '2026-01-01', decisions: 10, overturned: 2 },
        { day: '2026-01-02', decisions: 0, overturned: 0 },
        { day: '2026-01-03', decisions: 5, overturned: 9 },
      ],
      300,
      100,
      10,
    );
    expect(bars.map((b) => [b.x, b.width, b.y, b.height, b.overY, b.overHeight])).toEqual([
      [15, 70, 0, 100, 80, 20],
      [115, 70, 100, 0, 100, 0],
      [215, 70, 50, 50, 50, 50],
    ]);
    expect(throughputBars([], 300, 100, 10)).toEqual([]);
    const [wide] = throughputBars([{ day: '2026-01-01', decisions: 1, overturned: 0 }], 300, 100, 1, 48);
    expect([wide!.x, wide!.width]).toEqual([126, 48]);
  });

  it('fills the period with the days the server did not list, in order', () => {
    const days = fillDays([{ day: '2026-02-28', decisions: 4, overturned: 1 }, { day: '2026-02-26', decisions: 2, overturned: 0 }], '2026-02-26', '2026-03-01');
    expect(days.map((d) => `${d.day}:${d.decisions}`)).toEqual(['2026-02-26:2', '2026-02-27:0', '2026-02-28:4', '2026-03-01:0']);
    // A day outside the period (time zones) is kept, not dropped; a bad period leaves the list as given.
    expect(fillDays([{ day: '2026-02-25', decisions: 1, overturned: 0 }], '2026-02-26', '2026-02-26').map((d) => d.day)).toEqual(['2026-02-25', '2026-02-26']);
    expect(fillDays([{ day: '2026-02-25', decisions: 1, overturned: 0 }], '', '2026-02-26')).toHaveLength(1);
    expect(fillDays([], '2026-01-01', '2030-01-01', 10)).toHaveLength(10);
  });
});

describe('console pages and queries', () => {
  it('offers each role the pages it may use', () => {
    expect(consolePages(['reviewer']).map((p) => p.page)).toEqual(['review']);
    expect(consolePages(['supervisor', 'admin']).map((p) => p.href)).toEqual(['/ui/console/review/', '/ui/console/fleet/']);
    expect(consolePages(['admin']).map((p) => p.page)).toEqual(['fleet']);
    expect(consolePages(['booth_staff'])).toEqual([]);
  });

  it('renews a token a fifth of its life (at most a minute) before it expires, never in the past', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(refreshDelayMs('2026-01-01T00:15:00Z', now)).toBe(14 * 60_000);
    expect(refreshDelayMs('2026-01-01T00:01:40Z', now)).toBe(80_000);
    expect(refreshDelayMs('2025-12-31T23:59:00Z', now)).toBe(0);
  });

  it('the query string keeps only set string values', () => {
    expect(queryString({ status: 'open', branchId: '', from: undefined, limit: '50', n: 3 })).toBe('?status=open&limit=50');
    expect(queryString({})).toBe('');
  });
});
