import { z } from 'zod';
import { BoothId, IsoTime, ProductId, SessionId } from './ids.js';
import { BranchId } from './staff.js';

// The review of a recording (issue 8): what the machine found, the screenshots it sampled, the
// reviewers' queue and decisions, the supervisors' checks of those decisions, and webhooks.
// The HTTP routes are listed in review-api.ts; both sides of every route parse with these schemas.

/** Whole seconds since the recording began (the manifest's `startedAt`), to the millisecond. */
const Sec = z.number().min(0).max(10 * 24 * 3600);

// ---- machine review ---------------------------------------------------------------------------

export const MachineVerdict = z.enum(['pass', 'needs_review', 'fail']);
export type MachineVerdict = z.infer<typeof MachineVerdict>;

/**
 * Every defect the machine can name. A finding's severity decides the verdict: any `fail` → fail,
 * else any `review` → needs_review, else pass (`info` findings are shown, never decide).
 */
export const FindingCode = z.enum([
  /** No timeline in the manifest (recorded without the kiosk flow): flow checks cannot be made. */
  'timeline_missing',
  /** The disclosure was never started / never played to the end (minWatchedRatio). */
  'disclosure_missing',
  'disclosure_incomplete',
  /** No face in the camera for longer than the policy allows (longest absence). */
  'face_absent',
  /** Share of samples with the customer's face below the policy. */
  'face_presence_low',
  /** More than one face in some samples. */
  'extra_faces',
  /** The archive's face pass does not match the customer's enrolled face. */
  'face_mismatch',
  /** The booth's face check did not pass or was decided by staff. */
  'face_check_not_passed',
  'face_check_by_staff',
  /** No spoken confirmation found in the recording's audio after the disclosure. */
  'confirmation_missing',
  /** A refusal ("我不同意…") heard after the disclosure. */
  'refusal_heard',
  /** The booth's speech check did not pass or was decided by staff. */
  'confirmation_by_staff',
  /** The booth and the archive's re-run of the engines disagree (face or speech). */
  'booth_archive_disagreement',
  /** A hole in the recording (manifest gap / recorder restart). */
  'recording_gap',
  /** A booth fault raised while the session recorded. */
  'fault_during_recording',
  /** The session ended other than completed (aborted, emergency stop, interrupted). */
  'session_not_completed',
  /** Recording shorter than the disclosure, absurdly long, or media duration ≠ manifest duration. */
  'duration_short',
  'duration_long',
  'duration_mismatch',
  /** The machine review itself could not run (engine missing, decode error): people must look. */
  'machine_review_error',
]);
export type FindingCode = z.infer<typeof FindingCode>;

export const FindingSeverity = z.enum(['info', 'review', 'fail']);
export type FindingSeverity = z.infer<typeof FindingSeverity>;

export const MachineFinding = z.strictObject({
  code: FindingCode,
  severity: FindingSeverity,
  /** One sentence a reviewer reads (English; the console shows it as is). */
  message: z.string().min(1).max(500),
  /** Where in the recording, if it has a place (seconds since start): the console seeks there. */
  atSec: Sec.nullable(),
  endSec: Sec.nullable(),
});
export type MachineFinding = z.infer<typeof MachineFinding>;

/** One face sample of the archive's pass over the recording (the chart's points). */
export const FaceSample = z.strictObject({
  atSec: Sec,
  faces: z.number().int().min(0).max(20),
  /** Distance of the largest face to the customer's nearest enrolled descriptor; null without one. */
  distance: z.number().min(0).nullable(),
});
export type FaceSample = z.infer<typeof FaceSample>;

export const FaceSummary = z.strictObject({
  /** Seconds between samples of the pass. */
  everySec: z.number().positive(),
  samples: z.array(FaceSample).max(100_000),
  /** Share of samples with exactly one face / with the customer's face (null: no enrolled face). */
  presentShare: z.number().min(0).max(1),
  matchedShare: z.number().min(0).max(1).nullable(),
  longestAbsenceSec: z.number().min(0),
  longestAbsenceAtSec: Sec.nullable(),
  extraFaceSamples: z.number().int().min(0),
  threshold: z.number().positive(),
});
export type FaceSummary = z.infer<typeof FaceSummary>;

export const HeardPhrase = z.strictObject({ phraseId: z.string().max(64), text: z.string().max(200), atSec: Sec });
export type HeardPhrase = z.infer<typeof HeardPhrase>;

export const SpeechSummary = z.strictObject({
  /** What the archive's keyword pass heard after the (last) disclosure ended, refusals under `refusal`. */
  heard: z.array(HeardPhrase).max(1000),
  /** Every required phrase heard after the disclosure, and when the confirmation was complete. */
  confirmed: z.boolean(),
  confirmedAtSec: Sec.nullable(),
  /** Utterances the voice gate found in the whole recording. */
  utterances: z.number().int().min(0),
  /** Keyword spotter score where the engine gives one (sherpa-onnx KWS does not: null). */
  score: z.number().nullable(),
});
export type SpeechSummary = z.infer<typeof SpeechSummary>;

/** What the booth's checks decided (from the signed timeline), beside the archive's re-run. */
export const BoothChecksSummary = z.strictObject({
  face: z.strictObject({ passed: z.boolean(), source: z.enum(['engine', 'staff']), distance: z.number().nullable(), atSec: Sec.nullable() }).nullable(),
  speech: z.strictObject({ passed: z.boolean(), source: z.enum(['engine', 'staff']), phraseIds: z.array(z.string()), atSec: Sec.nullable() }).nullable(),
});
export type BoothChecksSummary = z.infer<typeof BoothChecksSummary>;

export const MachineReport = z.strictObject({
  v: z.literal(1),
  sessionId: SessionId,
  verdict: MachineVerdict,
  findings: z.array(MachineFinding).max(1000),
  durationSec: z.number().min(0),
  disclosure: z.strictObject({ rounds: z.number().int().min(0), completed: z.boolean(), startedAtSec: Sec.nullable(), endedAtSec: Sec.nullable() }),
  face: FaceSummary.nullable(),
  speech: SpeechSummary.nullable(),
  booth: BoothChecksSummary,
  /** Holes in the recording (manifest gaps). */
  gaps: z.array(z.strictObject({ startSec: Sec, durationSec: z.number().min(0) })).max(100_000),
  /** Booth faults raised while it recorded. */
  faults: z.array(z.strictObject({ kind: z.string(), severity: z.string(), message: z.string(), atSec: Sec.nullable() })).max(1000),
  /** The engines and models that ran (name + version), so a re-run can be compared. */
  engines: z.strictObject({ face: z.string().nullable(), speech: z.string().nullable() }),
  /** The recording.mp4 the report was made from. */
  sourceSha256: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: IsoTime,
});
export type MachineReport = z.infer<typeof MachineReport>;

// ---- screenshots --------------------------------------------------------------------------------

/** Flags the machine puts on a screenshot (the camera in it). */
export const ScreenshotFlag = z.enum(['no_face', 'multiple_faces', 'face_mismatch']);
export type ScreenshotFlag = z.infer<typeof ScreenshotFlag>;

/**
 * A screenshot sampled from the recording as its segments arrive: 12 per minute in the first
 * minute of a session, then 3 per minute (at 0, 5, 10 … 55 s, then every 20 s).
 */
export const ScreenshotView = z.strictObject({
  screenshotId: z.string().regex(/^[0-9]{1,12}$/),
  sessionId: SessionId,
  atSec: Sec,
  /** Wall-clock time of the frame. */
  at: IsoTime,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  faces: z.number().int().min(0).nullable(),
  distance: z.number().min(0).nullable(),
  flags: z.array(ScreenshotFlag),
});
export type ScreenshotView = z.infer<typeof ScreenshotView>;

// ---- review workflow ----------------------------------------------------------------------------

/**
 * The review item of an archived session.
 * machine_pending → (machine) passed | queued · queued → assigned (to the least loaded reviewer in
 * scope) · assigned → accepted | rejected | escalated (reviewer) · escalated → accepted | rejected
 * (supervisor) · assigned → queued → assigned (the reviewer went offline: reassigned).
 * A machine `pass` is final without a person (a supervisor may still sample it); a machine `fail`
 * is queued for a reviewer like needs_review, with the webhook `review.machine_failed`.
 */
export const ReviewStatus = z.enum(['machine_pending', 'passed', 'queued', 'assigned', 'accepted', 'rejected', 'escalated']);
export type ReviewStatus = z.infer<typeof ReviewStatus>;

export const ReviewDecisionKind = z.enum(['accept', 'reject', 'escalate']);
export type ReviewDecisionKind = z.infer<typeof ReviewDecisionKind>;

/** Why a recording is rejected (or escalated): codes the console offers, plus free text. */
export const RejectReason = z.enum(['disclosure_incomplete', 'identity_not_verified', 'customer_absent', 'confirmation_missing', 'confirmation_unclear', 'staff_misconduct', 'recording_defective', 'other']);
export type RejectReason = z.infer<typeof RejectReason>;

export const Comment = z.string().trim().max(2000, 'comment must be at most 2000 characters');

/** POST /api/v1/review/sessions/:sessionId/decision */
export const ReviewDecisionRequest = z
  .strictObject({
    decision: ReviewDecisionKind,
    reasons: z.array(RejectReason).max(8).default([]),
    comment: Comment.default(''),
  })
  .refine((d) => d.decision === 'accept' || d.reasons.length > 0, { message: 'a rejection or escalation needs at least one reason', path: ['reasons'] })
  .refine((d) => !d.reasons.includes('other') || d.comment.length >= 3, { message: "reason 'other' needs a comment", path: ['comment'] });
export type ReviewDecisionRequest = z.infer<typeof ReviewDecisionRequest>;

export const ReviewDecisionView = z.strictObject({
  decisionId: z.string().regex(/^[0-9]{1,12}$/),
  sessionId: SessionId,
  staffId: z.uuid(),
  username: z.string(),
  /** reviewer or supervisor (a supervisor deciding an escalated item). */
  role: z.enum(['reviewer', 'supervisor']),
  decision: ReviewDecisionKind,
  reasons: z.array(RejectReason),
  comment: z.string(),
  /** The machine's verdict when the decision was made (a contradiction is sampled always). */
  machineVerdict: MachineVerdict,
  decidedAt: IsoTime,
  /** The supervisor's check of this decision, if made. */
  check: z.strictObject({ outcome: z.enum(['confirmed', 'overturned']), staffId: z.uuid(), username: z.string(), comment: z.string(), checkedAt: IsoTime }).nullable(),
});
export type ReviewDecisionView = z.infer<typeof ReviewDecisionView>;

export const ReviewItemView = z.strictObject({
  sessionId: SessionId,
  boothId: BoothId,
  branchId: BranchId.nullable(),
  productId: ProductId,
  startedAt: IsoTime,
  durationSec: z.number().min(0),
  status: ReviewStatus,
  machineVerdict: MachineVerdict.nullable(),
  /** The findings' codes, for the list (the detail has the findings). */
  findingCodes: z.array(FindingCode),
  assignee: z.strictObject({ staffId: z.uuid(), username: z.string() }).nullable(),
  assignedAt: IsoTime.nullable(),
  /** When a person's decision is due (overdue → webhook `review.overdue`). */
  dueAt: IsoTime.nullable(),
  /** The decision that settled it (accepted/rejected), after any supervisor overturn. */
  outcome: z.enum(['accepted', 'rejected']).nullable(),
  updatedAt: IsoTime,
});
export type ReviewItemView = z.infer<typeof ReviewItemView>;

/** One entry of the session page's timeline: flow steps, checks, faults, gaps, screenshots, findings. */
export const ReviewTimelineEntry = z.strictObject({
  atSec: Sec,
  kind: z.enum(['flow', 'check', 'fault', 'gap', 'screenshot', 'finding']),
  /** Short label (the flow event type, fault kind, finding code …). */
  label: z.string().max(200),
  detail: z.string().max(2000),
  /** Marks what needs a look (failed check, fault, flagged screenshot, review/fail finding). */
  flagged: z.boolean(),
  screenshotId: z.string().nullable(),
});
export type ReviewTimelineEntry = z.infer<typeof ReviewTimelineEntry>;

/** GET /api/v1/review/sessions/:sessionId */
export const ReviewSessionDetail = z.strictObject({
  item: ReviewItemView,
  report: MachineReport.nullable(),
  timeline: z.array(ReviewTimelineEntry),
  screenshots: z.array(ScreenshotView),
  decisions: z.array(ReviewDecisionView),
  /** The files the player can load (names as in GET /archive/sessions/:id/files/:name). */
  media: z.strictObject({ video: z.string().nullable(), audio: z.string().nullable(), thumbnails: z.string().nullable() }),
  /** What the caller may do now. */
  can: z.strictObject({ decide: z.boolean(), supervise: z.boolean() }),
});
export type ReviewSessionDetail = z.infer<typeof ReviewSessionDetail>;

// ---- supervision -------------------------------------------------------------------------------

/** POST /api/v1/supervision/decisions/:decisionId/check */
export const SupervisorCheckRequest = z
  .strictObject({ outcome: z.enum(['confirmed', 'overturned']), comment: Comment.default('') })
  .refine((c) => c.outcome === 'confirmed' || c.comment.length >= 3, { message: 'an overturn needs a comment (at least 3 characters)', path: ['comment'] });
export type SupervisorCheckRequest = z.infer<typeof SupervisorCheckRequest>;

export const ReviewerStats = z.strictObject({
  staffId: z.uuid(),
  username: z.string(),
  decisions: z.number().int().min(0),
  accepted: z.number().int().min(0),
  rejected: z.number().int().min(0),
  escalated: z.number().int().min(0),
  /** Decisions against the machine's verdict (accept of a fail, reject of a pass). */
  contradictMachine: z.number().int().min(0),
  checked: z.number().int().min(0),
  overturned: z.number().int().min(0),
  /** Median minutes from assignment to decision. */
  medianMinutes: z.number().min(0).nullable(),
  open: z.number().int().min(0),
  online: z.boolean(),
});
export type ReviewerStats = z.infer<typeof ReviewerStats>;

// ---- webhooks ----------------------------------------------------------------------------------

export const WebhookEvent = z.enum(['review.machine_failed', 'review.escalated', 'review.overdue']);
export type WebhookEvent = z.infer<typeof WebhookEvent>;

/**
 * The body POSTed to a webhook. Signed: header `x-dualrec-signature: t=<unix s>,v1=<hex
 * HMAC-SHA256(secret, "<t>.<body>")>`; `x-dualrec-delivery` is the delivery id (receivers dedupe).
 */
export const WebhookPayload = z.strictObject({
  deliveryId: z.string(),
  event: WebhookEvent,
  at: IsoTime,
  session: z.strictObject({ sessionId: SessionId, branchId: BranchId.nullable(), productId: z.string(), status: ReviewStatus, machineVerdict: MachineVerdict.nullable() }),
  detail: z.string().max(2000),
});
export type WebhookPayload = z.infer<typeof WebhookPayload>;
