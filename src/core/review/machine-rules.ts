import type { FaceSummary, FindingCode, FindingSeverity, MachineFinding, MachineVerdict, SpeechSummary } from '../../protocol/review.js';
import { refusalsAfter } from './speech-summary.js';
import type { TimelineFacts } from './timeline-facts.js';

/** Thresholds of the machine review (server config `review.policy`; defaults in review-config.ts). */
export interface MachinePolicy {
  /** Longest absence of the face above which a person must look / the review fails, seconds. */
  absenceReviewSec: number;
  absenceFailSec: number;
  /** Share of samples with exactly one face below which a person must look. */
  minPresentShare: number;
  /** Share of measured samples matching the customer below which the face is a mismatch (fail). */
  minMatchedShare: number;
  /** Samples with more than one face from which `extra_faces` is raised. */
  extraFaceSamples: number;
  /** Share of the disclosure that must have played (the booth's minWatchedRatio). */
  minWatchedRatio: number;
  /** Longer recordings are flagged `duration_long`, seconds. */
  maxDurationSec: number;
  /** Media duration and manifest duration may differ by this much, seconds. */
  durationToleranceSec: number;
  /**
   * How much earlier in the media a timeline moment may be: timeline `sessionSec` is wall clock
   * since the session started, media time starts at FFmpeg's first frame (later, by its start-up),
   * so speech "after the disclosure ended" is taken from this long before the timeline's end.
   */
  timelineSlackSec: number;
}

/** Where the archive starts listening for the confirmation: the last disclosure's end, less the timeline slack. */
export function listenFromSec(timeline: TimelineFacts | null, policy: Pick<MachinePolicy, 'timelineSlackSec'>): number {
  const end = timeline?.disclosure.endedAtSec;
  return end === null || end === undefined ? 0 : Math.max(0, end - policy.timelineSlackSec);
}

/** A booth fault raised while the session recorded (booth_faults, by time or session). */
export interface FaultDuring {
  kind: string;
  severity: string;
  message: string;
  atSec: number | null;
}

export interface MachineInput {
  /** Null when the manifest carries no timeline (recorded without the kiosk flow). */
  timeline: TimelineFacts | null;
  endReason: 'completed' | 'aborted' | 'emergency-stop';
  manifestDurationSec: number;
  /** Duration of recording.mp4 as probed. */
  mediaDurationSec: number;
  gaps: ReadonlyArray<{ startSec: number; durationSec: number; reason: string }>;
  faults: readonly FaultDuring[];
  /** The archive's passes; null with the reason when a pass could not run. */
  face: FaceSummary | null;
  faceSkipped: string | null;
  speech: SpeechSummary | null;
  speechSkipped: string | null;
  /** The speech pass should have run but could not (engine or model broken, no audio): a person must look. */
  speechFailed: boolean;
}

const SEVERITY_RANK: Record<FindingSeverity, number> = { info: 0, review: 1, fail: 2 };

/** The verdict of a list of findings: any fail → fail, else any review → needs_review, else pass. */
export function verdictOf(findings: readonly MachineFinding[]): MachineVerdict {
  const worst = Math.max(0, ...findings.map((f) => SEVERITY_RANK[f.severity]));
  return worst === 2 ? 'fail' : worst === 1 ? 'needs_review' : 'pass';
}

const sec = (n: number) => `${Math.round(n * 10) / 10} s`;

/**
 * The machine review's rules (pure): every defect it can name from the timeline, the archive's face
 * and speech passes, the manifest's gaps, the booth's faults and the media duration, each with its
 * severity and where in the recording it is. The verdict follows from the findings (verdictOf).
 */
export function judgeSession(input: MachineInput, policy: MachinePolicy): { verdict: MachineVerdict; findings: MachineFinding[] } {
  const findings: MachineFinding[] = [];
  const add = (code: FindingCode, severity: FindingSeverity, message: string, atSec: number | null = null, endSec: number | null = null) =>
    findings.push({ code, severity, message: message.slice(0, 500), atSec: atSec === null ? null : Math.max(0, atSec), endSec: endSec === null ? null : Math.max(0, endSec) });
  const tl = input.timeline;

  if (input.endReason !== 'completed') add('session_not_completed', 'fail', `the session ended ${input.endReason === 'aborted' ? 'aborted' : 'by an emergency stop'}, not completed`, input.manifestDurationSec);

  // Flow: disclosure.
  if (!tl) add('timeline_missing', 'review', 'the manifest has no kiosk timeline: the disclosure and the booth checks cannot be verified');
  else if (tl.disclosure.rounds === 0) add('disclosure_missing', 'fail', 'the risk disclosure was never started');
  else if (!tl.disclosure.completed) add('disclosure_incomplete', 'fail', `the last disclosure round (${tl.disclosure.rounds}) was not played to the end`, tl.disclosure.startedAtSec);

  // Booth checks.
  const booth = tl?.booth ?? { face: null, speech: null };
  if (tl && (!booth.face || !booth.face.passed)) add('face_check_not_passed', 'fail', booth.face ? 'the booth face check did not pass' : 'the booth made no face check', booth.face?.atSec ?? null);
  else if (booth.face?.source === 'staff') add('face_check_by_staff', 'review', 'the face check was passed by staff, not by the engine', booth.face.atSec);
  if (booth.speech?.passed && booth.speech.source === 'staff') add('confirmation_by_staff', 'review', 'the spoken confirmation was accepted by staff, not by the engine', booth.speech.atSec);

  // Face pass.
  const face = input.face;
  if (!face) add('machine_review_error', 'review', `face pass did not run: ${input.faceSkipped ?? 'unknown reason'}`);
  else {
    if (face.longestAbsenceSec > policy.absenceReviewSec) {
      const at = face.longestAbsenceAtSec;
      add('face_absent', face.longestAbsenceSec > policy.absenceFailSec ? 'fail' : 'review', `no face in the camera for ${sec(face.longestAbsenceSec)}`, at, at === null ? null : at + face.longestAbsenceSec);
    }
    if (face.samples.length > 0 && face.presentShare < policy.minPresentShare) add('face_presence_low', 'review', `the customer's face is in ${Math.round(face.presentShare * 100)}% of the samples (policy ${Math.round(policy.minPresentShare * 100)}%)`);
    if (face.extraFaceSamples >= policy.extraFaceSamples) {
      const first = face.samples.find((s) => s.faces > 1);
      add('extra_faces', 'review', `more than one face in ${face.extraFaceSamples} samples`, first?.atSec ?? null);
    }
    if (face.matchedShare !== null && face.matchedShare < policy.minMatchedShare) {
      const first = face.samples.find((s) => s.distance !== null && s.distance > face.threshold);
      add('face_mismatch', 'fail', `the face matches the customer in ${Math.round(face.matchedShare * 100)}% of the measured samples (threshold ${face.threshold})`, first?.atSec ?? null);
      if (booth.face?.passed && booth.face.source === 'engine') add('booth_archive_disagreement', 'review', 'the booth engine matched the face, the archive does not', booth.face.atSec);
    }
  }

  // Speech pass.
  const speech = input.speech;
  const from = listenFromSec(tl, policy);
  if (!speech) add('machine_review_error', input.speechFailed ? 'review' : 'info', `speech pass ${input.speechFailed ? 'failed' : 'skipped'}: ${input.speechSkipped ?? 'unknown reason'}`);
  else {
    if (!speech.confirmed) add('confirmation_missing', 'fail', tl ? `no spoken confirmation heard after the disclosure ended (${sec(tl.disclosure.endedAtSec ?? 0)})` : 'no spoken confirmation heard in the recording', from);
    const refusals = refusalsAfter(speech.heard, from);
    if (refusals.length > 0) {
      const r = refusals[0]!;
      add('refusal_heard', speech.confirmed ? 'review' : 'fail', `a refusal ("${r.text}") was heard after the disclosure`, r.atSec);
    }
    if (booth.speech?.source === 'engine' && booth.speech.passed !== speech.confirmed) {
      add('booth_archive_disagreement', 'review', booth.speech.passed ? 'the booth engine heard the confirmation, the archive does not' : 'the archive hears the confirmation the booth engine did not', booth.speech.atSec);
    }
  }

  // Recording.
  for (const g of input.gaps) add('recording_gap', 'review', `the recording has a hole of ${sec(g.durationSec)}: ${g.reason || 'recorder restarted'}`, g.startSec, g.startSec + g.durationSec);
  for (const f of input.faults) add('fault_during_recording', f.severity === 'warning' ? 'info' : 'review', `booth fault ${f.kind} (${f.severity}): ${f.message}`, f.atSec);

  // Duration.
  const disclosureSec = tl?.disclosure.durationSec ?? null;
  if (disclosureSec !== null && input.mediaDurationSec < disclosureSec) add('duration_short', 'fail', `the recording (${sec(input.mediaDurationSec)}) is shorter than the disclosure (${sec(disclosureSec)})`);
  if (input.mediaDurationSec > policy.maxDurationSec) add('duration_long', 'review', `the recording lasts ${sec(input.mediaDurationSec)} (policy at most ${sec(policy.maxDurationSec)})`);
  if (Math.abs(input.mediaDurationSec - input.manifestDurationSec) > policy.durationToleranceSec) {
    add('duration_mismatch', 'review', `the media lasts ${sec(input.mediaDurationSec)}, the manifest says ${sec(input.manifestDurationSec)}`);
  }
  return { verdict: verdictOf(findings), findings };
}
