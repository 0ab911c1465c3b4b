import { z } from 'zod';
import { IntegrityError } from '../../../core/errors.js';
import { ManifestGap } from '../../../protocol/envelope.js';
import { IsoTime } from '../../../protocol/ids.js';
import { Timeline, type TimelineEvent } from '../../../protocol/kiosk-flow.js';
import type { MachineReport, ReviewTimelineEntry, ScreenshotView } from '../../../protocol/review.js';

/** The parts of record.json the timeline reads: its signed manifest's start, gaps and kiosk timeline. */
const RecordForTimeline = z.object({
  manifest: z.object({ startedAt: IsoTime, gaps: z.array(ManifestGap).default([]), timeline: Timeline.optional() }),
});
export type RecordForTimeline = z.infer<typeof RecordForTimeline>;

export function parseRecordForTimeline(bytes: Buffer, sessionId: string): RecordForTimeline['manifest'] {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new IntegrityError('archive.record_invalid', `record.json of session ${sessionId} is not valid JSON`);
  }
  const r = RecordForTimeline.safeParse(json);
  if (!r.success) throw new IntegrityError('archive.record_invalid', `record.json of session ${sessionId} has no readable manifest (start, gaps, timeline)`);
  return r.data.manifest;
}

export interface FaultDuring {
  kind: string;
  severity: string;
  message: string;
  since: string;
}

const MAX_SEC = 10 * 24 * 3600;
const clampSec = (s: number) => Math.min(MAX_SEC, Math.max(0, Math.round(s * 1000) / 1000));
const text = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function flowEntry(e: TimelineEvent & { sessionSec: number }): ReviewTimelineEntry {
  const ev = e.event;
  const base = { atSec: clampSec(e.sessionSec), label: ev.type, screenshotId: null };
  switch (ev.type) {
    case 'faceChecked':
      return { ...base, kind: 'check', detail: `face check attempt ${ev.attempt}: ${ev.result.passed ? 'passed' : 'failed'} (${ev.result.source}${ev.result.score !== null ? `, score ${ev.result.score}` : ''}${ev.result.threshold !== null ? ` / threshold ${ev.result.threshold}` : ''})`, flagged: !ev.result.passed || ev.result.source === 'staff' };
    case 'speechChecked':
      return { ...base, kind: 'check', detail: `confirmation attempt ${ev.attempt}: ${ev.result.passed ? 'passed' : 'failed'} (${ev.result.source}${ev.result.phraseIds.length ? `, heard ${ev.result.phraseIds.join(', ')}` : ''})`, flagged: !ev.result.passed || ev.result.source === 'staff' };
    case 'faultRaised':
      return { ...base, kind: 'fault', label: ev.kind, detail: text(`${ev.severity}: ${ev.message}`, 2000), flagged: true };
    case 'disclosureStarted':
      return { ...base, kind: 'flow', detail: `disclosure round ${ev.round} started`, flagged: false };
    case 'disclosureEnded':
      return { ...base, kind: 'flow', detail: `disclosure round ${ev.round} ended at ${ev.positionSec.toFixed(1)} s (watched ${ev.watchedSec.toFixed(1)} s)`, flagged: false };
    case 'disclosurePaused':
    case 'disclosureResumed':
      return { ...base, kind: 'flow', detail: `disclosure round ${ev.round} at ${ev.positionSec.toFixed(1)} s`, flagged: false };
    case 'staffAborted':
      return { ...base, kind: 'flow', detail: text(`aborted by staff: ${JSON.stringify(ev.reason)}`, 2000), flagged: true };
    case 'recordingInterrupted':
      return { ...base, kind: 'flow', detail: text(`recording interrupted: ${ev.reason}`, 2000), flagged: true };
    case 'modeSwitched':
      return { ...base, kind: 'flow', detail: `mode switched from ${ev.from} to ${ev.to}`, flagged: false };
    case 'signatureCaptured':
      return { ...base, kind: 'flow', detail: `signature captured (${ev.width}×${ev.height})`, flagged: false };
    default:
      return { ...base, kind: 'flow', detail: ev.type, flagged: false };
  }
}

/**
 * The session page's timeline, sorted by time: the kiosk flow's steps and checks (from the signed
 * manifest; events before the recording began have no place and are left out), the manifest's
 * gaps, booth faults raised while it recorded, flagged screenshots, and the machine's findings
 * (findings without a place sit at 0).
 */
export function buildTimeline(m: RecordForTimeline['manifest'], faults: readonly FaultDuring[], screenshots: readonly ScreenshotView[], report: MachineReport | null): ReviewTimelineEntry[] {
  const t0 = Date.parse(m.startedAt);
  const out: ReviewTimelineEntry[] = [];
  for (const e of m.timeline ?? []) if (e.sessionSec !== null) out.push(flowEntry({ ...e, sessionSec: e.sessionSec }));
  for (const g of m.gaps) out.push({ atSec: clampSec(g.startSec), kind: 'gap', label: 'recording_gap', detail: text(`${g.durationSec.toFixed(1)} s missing after segment ${g.afterSeq}: ${g.reason}`, 2000), flagged: true, screenshotId: null });
  for (const f of faults) out.push({ atSec: clampSec((Date.parse(f.since) - t0) / 1000), kind: 'fault', label: text(f.kind, 200), detail: text(`${f.severity}: ${f.message}`, 2000), flagged: true, screenshotId: null });
  for (const s of screenshots) if (s.flags.length > 0) out.push({ atSec: clampSec(s.atSec), kind: 'screenshot', label: s.flags.join(', '), detail: `screenshot at ${s.at}: ${s.faces ?? '?'} face(s)${s.distance !== null ? `, distance ${s.distance}` : ''}`, flagged: true, screenshotId: s.screenshotId });
  for (const f of report?.findings ?? []) out.push({ atSec: clampSec(f.atSec ?? 0), kind: 'finding', label: f.code, detail: f.message, flagged: f.severity !== 'info', screenshotId: null });
  const order = { flow: 0, check: 1, gap: 2, fault: 3, screenshot: 4, finding: 5 } as const;
  return out.map((e, i) => ({ e, i })).sort((a, b) => a.e.atSec - b.e.atSec || order[a.e.kind] - order[b.e.kind] || a.i - b.i).map((x) => x.e);
}
