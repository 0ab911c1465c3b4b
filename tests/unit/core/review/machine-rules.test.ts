import { describe, expect, it } from 'vitest';
import { judgeSession, listenFromSec, verdictOf, type MachineInput, type MachinePolicy } from '../../../../src/core/review/machine-rules.js';
import { timelineFacts } from '../../../../src/core/review/timeline-facts.js';
import type { FaceSummary, MachineFinding, SpeechSummary } from '../../../../src/protocol/review.js';
import { ReviewConfig } from '../../../../src/server/review/machine/review-config.js';
import { flowTimeline, type FlowOptions } from '../../../helpers/review-session.js';

const POLICY: MachinePolicy = ReviewConfig.parse({}).policy;
const SESSION = '6f1c7c0e-8d1f-4a57-9a55-7a1f4f0f2b11';
const STARTED = '2025-03-01T09:00:00.000Z';

const flow = (o: Partial<FlowOptions> = {}) =>
  timelineFacts(
    flowTimeline({
      startedAt: STARTED,
      sessionId: SESSION,
      disclosure: { atSec: 3, durationSec: 8 },
      face: { atSec: 2, passed: true, source: 'engine', distance: 0.3 },
      speech: { atSec: 18, passed: true, source: 'engine' },
      ...o,
    }),
    POLICY.minWatchedRatio,
  );

const face = (o: Partial<FaceSummary> = {}): FaceSummary => ({ everySec: 1, samples: [{ atSec: 0, faces: 1, distance: 0.3 }], presentShare: 1, matchedShare: 1, longestAbsenceSec: 0, longestAbsenceAtSec: null, extraFaceSamples: 0, threshold: 0.42, ...o });
const speech = (o: Partial<SpeechSummary> = {}): SpeechSummary => ({ heard: [{ phraseId: 'confirm', text: '我确认购买', atSec: 13 }], confirmed: true, confirmedAtSec: 13, utterances: 2, score: null, ...o });

const clean = (o: Partial<MachineInput> = {}): MachineInput => ({
  timeline: flow(),
  endReason: 'completed',
  manifestDurationSec: 24,
  mediaDurationSec: 24.05,
  gaps: [],
  faults: [],
  face: face(),
  faceSkipped: null,
  speech: speech(),
  speechSkipped: null,
  speechFailed: false,
  ...o,
});

/** `code:severity` of each finding, sorted. */
const found = (input: MachineInput, policy = POLICY) => judgeSession(input, policy).findings.map((f) => `${f.code}:${f.severity}`).sort();

describe('machine review rules', () => {
  it('passes a clean session with no findings', () => {
    expect(judgeSession(clean(), POLICY)).toEqual({ verdict: 'pass', findings: [] });
  });

  // Each defect alone, and exactly the findings it must raise.
  const cases: Array<[string, MachineInput, string[]]> = [
    ['aborted session', clean({ endReason: 'aborted' }), ['session_not_completed:fail']],
    ['emergency stop', clean({ endReason: 'emergency-stop' }), ['session_not_completed:fail']],
    ['no timeline', clean({ timeline: null, speech: speech({ heard: [{ phraseId: 'confirm', text: '我确认购买', atSec: 2 }] }) }), ['timeline_missing:review']],
    ['disclosure never started', clean({ timeline: { ...flow(), disclosure: { rounds: 0, completed: false, startedAtSec: null, endedAtSec: null, durationSec: 8 } } }), ['disclosure_missing:fail']],
    ['disclosure not ended', clean({ timeline: flow({ disclosure: { atSec: 3, durationSec: 8, ended: false } }) }), ['disclosure_incomplete:fail']],
    ['disclosure ended early', clean({ timeline: flow({ disclosure: { atSec: 3, durationSec: 8, watchedSec: 5 } }) }), ['disclosure_incomplete:fail']],
    ['booth face check failed', clean({ timeline: flow({ face: { atSec: 2, passed: false, source: 'engine', distance: 0.6 } }) }), ['face_check_not_passed:fail']],
    ['face passed by staff', clean({ timeline: flow({ face: { atSec: 2, passed: true, source: 'staff', distance: null } }) }), ['face_check_by_staff:review']],
    ['confirmation accepted by staff', clean({ timeline: flow({ speech: { atSec: 18, passed: true, source: 'staff' } }) }), ['confirmation_by_staff:review']],
    ['absence 20 s', clean({ face: face({ longestAbsenceSec: 20, longestAbsenceAtSec: 10 }) }), ['face_absent:review']],
    ['absence 31 s', clean({ face: face({ longestAbsenceSec: 31, longestAbsenceAtSec: 10 }) }), ['face_absent:fail']],
    ['absence 10 s (the limit)', clean({ face: face({ longestAbsenceSec: 10, longestAbsenceAtSec: 10 }) }), []],
    ['presence low', clean({ face: face({ presentShare: 0.4 }) }), ['face_presence_low:review']],
    ['extra faces', clean({ face: face({ extraFaceSamples: 2, samples: [{ atSec: 7, faces: 2, distance: null }] }) }), ['extra_faces:review']],
    ['one extra face sample', clean({ face: face({ extraFaceSamples: 1 }) }), []],
    ['face mismatch where the booth engine matched', clean({ face: face({ matchedShare: 0.2, samples: [{ atSec: 4, faces: 1, distance: 0.7 }] }) }), ['booth_archive_disagreement:review', 'face_mismatch:fail']],
    ['face mismatch where staff passed the face', clean({ timeline: flow({ face: { atSec: 2, passed: true, source: 'staff', distance: null } }), face: face({ matchedShare: 0 }) }), ['face_check_by_staff:review', 'face_mismatch:fail']],
    ['no enrolled face to compare', clean({ face: face({ matchedShare: null }) }), []],
    ['face pass did not run', clean({ face: null, faceSkipped: 'no video' }), ['machine_review_error:review']],
    ['confirmation missing, booth engine heard one', clean({ speech: speech({ heard: [], confirmed: false, confirmedAtSec: null }) }), ['booth_archive_disagreement:review', 'confirmation_missing:fail']],
    ['confirmation missing, staff accepted', clean({ timeline: flow({ speech: { atSec: 18, passed: true, source: 'staff' } }), speech: speech({ heard: [], confirmed: false, confirmedAtSec: null }) }), ['confirmation_by_staff:review', 'confirmation_missing:fail']],
    ['archive hears what the booth engine did not', clean({ timeline: flow({ speech: { atSec: 18, passed: false, source: 'engine' } }) }), ['booth_archive_disagreement:review']],
    ['refusal and no confirmation', clean({ timeline: flow({ speech: { atSec: 18, passed: false, source: 'engine' } }), speech: speech({ heard: [{ phraseId: 'refusal', text: '我不同意', atSec: 14 }], confirmed: false, confirmedAtSec: null }) }), ['confirmation_missing:fail', 'refusal_heard:fail']],
    ['refusal, then confirmed', clean({ speech: speech({ heard: [{ phraseId: 'refusal', text: '我不同意', atSec: 12 }, { phraseId: 'confirm', text: '我确认购买', atSec: 15 }] }) }), ['refusal_heard:review']],
    ['speech pass not configured', clean({ speech: null, speechSkipped: 'no model' }), ['machine_review_error:info']],
    ['speech pass broken', clean({ speech: null, speechSkipped: 'engine failed', speechFailed: true }), ['machine_review_error:review']],
    ['two gaps', clean({ gaps: [{ startSec: 8, durationSec: 4, reason: 'restart' }, { startSec: 16, durationSec: 1, reason: '' }] }), ['recording_gap:review', 'recording_gap:review']],
    ['faults', clean({ faults: [{ kind: 'camera.lost', severity: 'error', message: 'x', atSec: 3 }, { kind: 'disk.low', severity: 'warning', message: 'y', atSec: 5 }] }), ['fault_during_recording:info', 'fault_during_recording:review']],
    ['shorter than the disclosure', clean({ manifestDurationSec: 6, mediaDurationSec: 6 }), ['duration_short:fail']],
    ['absurdly long', clean({ manifestDurationSec: 5 * 3600, mediaDurationSec: 5 * 3600 }), ['duration_long:review']],
    ['media differs from the manifest', clean({ mediaDurationSec: 30 }), ['duration_mismatch:review']],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(found(input)).toEqual(expected);
  });

  it('places findings where they happened, for the console to seek', () => {
    const f = judgeSession(clean({ face: face({ longestAbsenceSec: 20, longestAbsenceAtSec: 10 }), gaps: [{ startSec: 8, durationSec: 4, reason: 'restart' }] }), POLICY).findings;
    expect(f.find((x) => x.code === 'face_absent')).toMatchObject({ atSec: 10, endSec: 30 });
    expect(f.find((x) => x.code === 'recording_gap')).toMatchObject({ atSec: 8, endSec: 12 });
  });

  it('follows the policy thresholds', () => {
    const strict = { ...POLICY, absenceReviewSec: 2, absenceFailSec: 4, minMatchedShare: 0.99, extraFaceSamples: 1 };
    expect(found(clean({ face: face({ longestAbsenceSec: 3, matchedShare: 0.95, extraFaceSamples: 1 }) }), strict)).toEqual(['booth_archive_disagreement:review', 'extra_faces:review', 'face_absent:review', 'face_mismatch:fail']);
  });

  it('listens from the disclosure end less the timeline slack (wall clock vs media time)', () => {
    expect(listenFromSec(flow(), POLICY)).toBe(10);
    expect(listenFromSec(flow(), { timelineSlackSec: 0 })).toBe(11);
    expect(listenFromSec(null, POLICY)).toBe(0);
    expect(listenFromSec(flow({ disclosure: { atSec: 0, durationSec: 0.5 } }), POLICY)).toBe(0);
    // A refusal within the slack before the end counts; one earlier does not.
    const refusal = (atSec: number) => clean({ speech: speech({ heard: [{ phraseId: 'refusal', text: '我不同意', atSec }, { phraseId: 'confirm', text: '我确认购买', atSec: 15 }] }) });
    expect(found(refusal(10.5))).toEqual(['refusal_heard:review']);
    expect(found(refusal(9.5))).toEqual([]);
  });

  it('decides the verdict from the worst severity', () => {
    const f = (severity: MachineFinding['severity']): MachineFinding => ({ code: 'recording_gap', severity, message: 'x', atSec: null, endSec: null });
    expect(verdictOf([])).toBe('pass');
    expect(verdictOf([f('info')])).toBe('pass');
    expect(verdictOf([f('info'), f('review')])).toBe('needs_review');
    expect(verdictOf([f('review'), f('fail'), f('info')])).toBe('fail');
  });
});

describe('timeline facts', () => {
  it('reads the disclosure, the booth checks, the phrases and the customer', () => {
    const t = flow({ customerId: 'c-9', customerSource: 'server' });
    expect(t.disclosure).toEqual({ rounds: 1, completed: true, startedAtSec: 3, endedAtSec: 11, durationSec: 8 });
    expect(t.booth).toEqual({ face: { passed: true, source: 'engine', distance: 0.3, atSec: 2 }, speech: { passed: true, source: 'engine', phraseIds: ['confirm'], atSec: 18 } });
    expect(t.phrases.map((p) => p.text)).toEqual(['我确认购买']);
    expect(t.customer).toMatchObject({ customerId: 'c-9', source: 'server' });
    expect(t.faceVerifiedAtSec).toBe(2);
  });

  it('takes the last round of a replayed disclosure', () => {
    const tl = flowTimeline({ startedAt: STARTED, sessionId: SESSION, disclosure: { atSec: 3, durationSec: 8 }, face: { atSec: 2, passed: true, source: 'engine', distance: 0.3 }, speech: null });
    const replay = [
      { seq: tl.length, at: STARTED, sessionSec: 30, event: { type: 'disclosureStarted' as const, round: 2 } },
      { seq: tl.length + 1, at: STARTED, sessionSec: 38, event: { type: 'disclosureEnded' as const, round: 2, positionSec: 8, watchedSec: 8 } },
    ];
    expect(timelineFacts([...tl, ...replay], 0.9).disclosure).toEqual({ rounds: 2, completed: true, startedAtSec: 30, endedAtSec: 38, durationSec: 8 });
    expect(timelineFacts([...tl, replay[0]!], 0.9).disclosure).toMatchObject({ rounds: 2, completed: false, endedAtSec: null });
    expect(timelineFacts([], 0.9)).toMatchObject({ disclosure: { rounds: 0, completed: false }, booth: { face: null, speech: null }, phrases: [], customer: null, faceVerifiedAtSec: null });
  });
});
