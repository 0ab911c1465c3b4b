import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../../src/core/errors.js';
import { advanceFlow, flowActive, replayFlow, startFlow, watchedMs, type FlowRules } from '../../../src/core/kiosk-flow.js';
import { FlowInput, FlowState, TimelineEvent, type CustomerSummary, type FaceCheckResult, type FlowStep, type ProductOffer, type SpeechCheckResult } from '../../../src/protocol/kiosk-flow.js';

const RULES: FlowRules = { maxFaceAttempts: 2, maxConfirmationAttempts: 3, minWatchedRatio: 0.9 };
const FLOW = '0b6f2a4e-3c1d-4e5f-8a9b-0c1d2e3f4a5b';
const SESSION = '6f1c7c0e-8d1f-4a57-9a55-7a1f4f0f2b11';
const T0 = Date.parse('2025-03-01T09:00:00.000Z');

const CUSTOMER: CustomerSummary = { customerId: 'c-1', displayName: '张*明', maskedIdentifier: '110***********002X', source: 'local', enrolledFace: false };
const PRODUCT: ProductOffer = {
  productId: 'demo-fund-001',
  version: null,
  name: { zh: '演示', en: 'Demo' },
  riskLevel: 'R3',
  disclosure: { durationSec: 10, mime: 'video/webm' },
  phrases: [{ id: 'confirm-risk', text: '本人已阅读并理解产品风险', en: null }],
};
const face = (passed: boolean): FaceCheckResult => ({ check: 'face', passed, source: 'engine', score: passed ? 0.8 : 0.2, threshold: 0.5, faces: 1, engine: 'test', staffId: null, note: null });
const speech = (passed: boolean): SpeechCheckResult => ({ check: 'speech', passed, source: 'staff', phraseIds: ['confirm-risk'], transcript: null, score: null, engine: null, staffId: 'S1', note: null });

/** Builds timeline events with increasing seq at the given ms after T0, validated like the booth does. */
class Timeline {
  readonly events: TimelineEvent[] = [];
  at(ms: number, event: FlowInput): TimelineEvent {
    const ev = TimelineEvent.parse({ seq: this.events.length, at: new Date(T0 + ms).toISOString(), sessionSec: null, event });
    this.events.push(ev);
    return ev;
  }
}

/** Walks a flow from its start to `step` and returns the state there (and the timeline so far). */
function flowAt(step: FlowStep): { state: FlowState; tl: Timeline } {
  const tl = new Timeline();
  let s = startFlow(FLOW, tl.at(0, { type: 'flowStarted', by: 'customer', staffId: null, language: 'zh-CN' }));
  const go = (ms: number, e: FlowInput) => (s = advanceFlow(s, tl.at(ms, e), RULES));
  const path: Array<[FlowStep, () => void]> = [
    ['product', () => go(1000, { type: 'customerIdentified', method: 'idNumber', customer: CUSTOMER })],
    ['mode', () => go(2000, { type: 'productChosen', product: PRODUCT })],
    ['starting', () => go(3000, { type: 'modeChosen', mode: 'self', staffId: null })],
    ['faceCheck', () => go(4000, { type: 'recordingStarted', sessionId: SESSION, sessionStartedAt: new Date(T0 + 3500).toISOString() })],
    ['disclosure', () => go(5000, { type: 'faceChecked', attempt: 1, result: face(true) })],
    [
      'confirmation',
      () => {
        go(6000, { type: 'disclosureStarted', round: 1 });
        go(16_000, { type: 'disclosureEnded', round: 1, positionSec: 10, watchedSec: 10 });
      },
    ],
    ['summary', () => go(17_000, { type: 'speechChecked', attempt: 1, result: speech(true) })],
    [
      'stopping',
      () => {
        go(18_000, { type: 'signatureCaptured', sha256: 'a'.repeat(64), width: 600, height: 200, pngBase64: 'iVBORw0KGgo=' });
        go(19_000, { type: 'summaryConfirmed' });
      },
    ],
    ['sync', () => go(21_000, { type: 'recordingStopped', sessionId: SESSION })],
    ['attract', () => go(30_000, { type: 'flowEnded', by: 'customer' })],
  ];
  for (const [reached, move] of path) {
    if (s.step === step) break;
    move();
    expect(s.step).toBe(reached);
  }
  expect(s.step).toBe(step);
  return { state: s, tl };
}

/** One valid-looking event of each type, fitted to the state (right round, attempt, session, mode). */
function sample(type: FlowInput['type'], s: FlowState): FlowInput {
  const round = Math.max(1, s.disclosure.round);
  const all: { [T in FlowInput['type']]: Extract<FlowInput, { type: T }> } = {
    flowStarted: { type: 'flowStarted', by: 'customer', staffId: null, language: 'zh-CN' },
    languageChanged: { type: 'languageChanged', language: 'en' },
    customerLookupFailed: { type: 'customerLookupFailed', method: 'tellerCode', maskedIdentifier: '****0001', reason: 'notFound' },
    customerIdentified: { type: 'customerIdentified', method: 'tellerCode', customer: CUSTOMER },
    productChosen: { type: 'productChosen', product: PRODUCT },
    modeChosen: { type: 'modeChosen', mode: 'remote', staffId: null },
    recordingStarted: { type: 'recordingStarted', sessionId: SESSION, sessionStartedAt: new Date(T0).toISOString() },
    recordingFailed: { type: 'recordingFailed', message: 'camera busy' },
    faceChecked: { type: 'faceChecked', attempt: s.face.attempts + 1, result: face(true) },
    disclosureStarted: { type: 'disclosureStarted', round },
    disclosurePaused: { type: 'disclosurePaused', round, positionSec: 1 },
    disclosureResumed: { type: 'disclosureResumed', round, positionSec: 1 },
    disclosureEnded: { type: 'disclosureEnded', round, positionSec: 10, watchedSec: 0 },
    speechChecked: { type: 'speechChecked', attempt: s.confirmation.attempts + 1, result: speech(true) },
    signatureCaptured: { type: 'signatureCaptured', sha256: 'b'.repeat(64), width: 10, height: 10, pngBase64: 'iVBORw0KGgo=' },
    summaryConfirmed: { type: 'summaryConfirmed' },
    staffUnlocked: { type: 'staffUnlocked', staffId: 'S1' },
    staffLocked: { type: 'staffLocked', staffId: 'S1' },
    staffPinRejected: { type: 'staffPinRejected', failures: 1 },
    modeSwitched: { type: 'modeSwitched', from: s.mode ?? 'self', to: s.mode === 'onsite' ? 'self' : 'onsite', staffId: 'S1' },
    staffAborted: { type: 'staffAborted', staffId: 'S1', reason: 'customer left' },
    faultRaised: { type: 'faultRaised', kind: 'camera.lost', severity: 'error', message: 'no camera frames' },
    recordingInterrupted: { type: 'recordingInterrupted', reason: 'recorder failed' },
    recordingStopped: { type: 'recordingStopped', sessionId: SESSION },
    flowCancelled: { type: 'flowCancelled', step: s.step, by: 'customer', staffId: null, reason: null },
    flowEnded: { type: 'flowEnded', by: 'customer' },
  };
  return all[type];
}

const AMBIENT = ['languageChanged', 'staffUnlocked', 'staffLocked', 'staffPinRejected', 'faultRaised'];
/** What each step accepts (a disclosure that is not playing yet; a summary not signed yet). */
const ALLOWED: Record<FlowStep, string[]> = {
  attract: [],
  identify: [...AMBIENT, 'customerLookupFailed', 'customerIdentified', 'flowCancelled'],
  product: [...AMBIENT, 'productChosen', 'flowCancelled'],
  mode: [...AMBIENT, 'modeChosen', 'flowCancelled'],
  starting: [...AMBIENT, 'recordingStarted', 'recordingFailed', 'recordingInterrupted'],
  faceCheck: [...AMBIENT, 'faceChecked', 'modeSwitched', 'staffAborted', 'recordingInterrupted'],
  disclosure: [...AMBIENT, 'disclosureStarted', 'modeSwitched', 'staffAborted', 'recordingInterrupted'],
  confirmation: [...AMBIENT, 'speechChecked', 'modeSwitched', 'staffAborted', 'recordingInterrupted'],
  summary: [...AMBIENT, 'signatureCaptured', 'modeSwitched', 'staffAborted', 'recordingInterrupted'],
  stopping: [...AMBIENT, 'recordingStopped', 'recordingInterrupted'],
  sync: [...AMBIENT, 'flowEnded'],
};

const TYPES = FlowInput.options.map((o) => o.shape.type.value);
const STEPS = Object.keys(ALLOWED) as FlowStep[];

describe('kiosk flow machine: every step against every event', () => {
  const cases = STEPS.flatMap((step) => TYPES.map((type) => [step, type, ALLOWED[step].includes(type)] as const));
  it.each(cases)('at %s, %s is allowed: %s', (step, type, allowed) => {
    const { state } = flowAt(step);
    const ev = TimelineEvent.parse({ seq: 99, at: new Date(T0 + 60_000).toISOString(), sessionSec: null, event: sample(type, state) });
    const before = structuredClone(state);
    if (allowed) {
      const next = advanceFlow(state, ev, RULES);
      expect(FlowState.parse(next)).toEqual(next);
    } else {
      expect(() => advanceFlow(state, ev, RULES)).toThrow(ConflictError);
    }
    expect(state).toEqual(before); // the machine never mutates its input
  });

  it('covers every event type and step', () => {
    expect(TYPES).toHaveLength(26);
    expect(STEPS).toEqual(FlowStepsInOrder);
  });
});
const FlowStepsInOrder = ['attract', 'identify', 'product', 'mode', 'starting', 'faceCheck', 'disclosure', 'confirmation', 'summary', 'stopping', 'sync'];

describe('kiosk flow machine: the walk', () => {
  it('goes from attract to attract with every field set on the way, and replays to the same state', () => {
    const { state, tl } = flowAt('attract');
    expect(state).toMatchObject({ step: 'attract', outcome: 'completed', sessionId: SESSION, mode: 'self', customer: CUSTOMER, face: { attempts: 1, passed: true }, confirmation: { attempts: 1 } });
    expect(state.recordingStartedAt).toBe(new Date(T0 + 3500).toISOString());
    expect(flowActive(state)).toBe(false);
    expect(replayFlow(FLOW, tl.events, RULES)).toEqual(state);
  });

  it('starts only from flowStarted, and a staff start names the staff member', () => {
    const tl = new Timeline();
    expect(() => startFlow(FLOW, tl.at(0, { type: 'languageChanged', language: 'en' }))).toThrow(ConflictError);
    expect(() => startFlow(FLOW, tl.at(0, { type: 'flowStarted', by: 'staff', staffId: null, language: 'en' }))).toThrow(/names the staff member/);
    const s = startFlow(FLOW, tl.at(0, { type: 'flowStarted', by: 'staff', staffId: 'S9', language: 'en' }));
    expect(s).toMatchObject({ step: 'identify', startedBy: 'staff', language: 'en' });
    expect(() => replayFlow(FLOW, [], RULES)).toThrow(ConflictError);
  });

  it('refuses a second flowStarted while a flow runs, and anything after the flow ended', () => {
    const { state, tl } = flowAt('product');
    expect(() => advanceFlow(state, tl.at(5, sample('flowStarted', state)), RULES)).toThrow(/already running/);
    const ended = flowAt('attract').state;
    expect(() => advanceFlow(ended, tl.at(5, { type: 'faultRaised', kind: 'mic.lost', severity: 'error', message: 'x' }), RULES)).toThrow(/the flow has ended/);
  });

  it('keeps the language change and records a failed lookup as a notice that the next step clears', () => {
    const { state, tl } = flowAt('identify');
    const lang = advanceFlow(state, tl.at(10, { type: 'languageChanged', language: 'en' }), RULES);
    expect(lang.language).toBe('en');
    const failed = advanceFlow(lang, tl.at(20, sample('customerLookupFailed', lang)), RULES);
    expect(failed.notice).toEqual({ code: 'customer.notFound', message: 'no customer found for ****0001' });
    expect(advanceFlow(failed, tl.at(30, sample('customerIdentified', failed)), RULES).notice).toBeNull();
  });

  it('needs staff for the on-site mode', () => {
    const { state, tl } = flowAt('mode');
    expect(() => advanceFlow(state, tl.at(10, { type: 'modeChosen', mode: 'onsite', staffId: null }), RULES)).toThrow(/staff on site/);
    expect(advanceFlow(state, tl.at(10, { type: 'modeChosen', mode: 'onsite', staffId: 'S1' }), RULES)).toMatchObject({ step: 'starting', mode: 'onsite', modeStaffId: 'S1' });
  });

  it('goes back to the mode step with a notice when the recording cannot start', () => {
    const { state, tl } = flowAt('starting');
    expect(advanceFlow(state, tl.at(10, { type: 'recordingFailed', message: 'disk full' }), RULES)).toMatchObject({ step: 'mode', notice: { code: 'recording.failed', message: 'disk full' } });
  });

  it('cancels before the recording only with the current step named', () => {
    const { state, tl } = flowAt('product');
    expect(() => advanceFlow(state, tl.at(10, { type: 'flowCancelled', step: 'identify', by: 'idle', staffId: null, reason: null }), RULES)).toThrow(ConflictError);
    expect(advanceFlow(state, tl.at(10, { type: 'flowCancelled', step: 'product', by: 'idle', staffId: null, reason: null }), RULES)).toMatchObject({ step: 'attract', outcome: 'cancelled' });
  });
});

describe('kiosk flow machine: face check', () => {
  it('stays on the face check after a failure and aborts after the last attempt', () => {
    const { state, tl } = flowAt('faceCheck');
    const once = advanceFlow(state, tl.at(10, { type: 'faceChecked', attempt: 1, result: face(false) }), RULES);
    expect(once).toMatchObject({ step: 'faceCheck', face: { attempts: 1, passed: false } });
    expect(() => advanceFlow(once, tl.at(11, { type: 'faceChecked', attempt: 1, result: face(true) }), RULES)).toThrow(/attempt 1 is not the next one/);
    const twice = advanceFlow(once, tl.at(12, { type: 'faceChecked', attempt: 2, result: face(false) }), RULES);
    expect(twice).toMatchObject({ step: 'stopping', outcome: 'aborted', endReason: { by: 'system', staffId: null, reason: 'the face check failed 2 times' } });
  });
});

describe('kiosk flow machine: disclosure', () => {
  const at = (tl: Timeline, ms: number, e: FlowInput) => tl.at(ms, e);

  it('refuses to end before the disclosure has played, and pauses do not count', () => {
    const { state, tl } = flowAt('disclosure');
    let s = advanceFlow(state, at(tl, 100_000, { type: 'disclosureStarted', round: 1 }), RULES);
    s = advanceFlow(s, at(tl, 104_000, { type: 'disclosurePaused', round: 1, positionSec: 4 }), RULES);
    expect(s.disclosure).toMatchObject({ playing: false, paused: true, watchedMs: 4000, positionSec: 4 });
    expect(() => advanceFlow(s, at(tl, 104_500, { type: 'disclosurePaused', round: 1, positionSec: 4 }), RULES)).toThrow(ConflictError);
    expect(() => advanceFlow(s, at(tl, 104_500, { type: 'disclosureEnded', round: 1, positionSec: 10, watchedSec: 4 }), RULES)).toThrow(ConflictError);
    // A long pause: the flow waits, the clock of the disclosure does not run.
    s = advanceFlow(s, at(tl, 200_000, { type: 'disclosureResumed', round: 1, positionSec: 4 }), RULES);
    expect(watchedMs(s, 203_000 + T0)).toBe(7000);
    expect(() => advanceFlow(s, at(tl, 203_000, { type: 'disclosureEnded', round: 1, positionSec: 10, watchedSec: 7 }), RULES)).toThrow(/played for 7.0 s of the 9.0 s required; it cannot be skipped/);
    const done = advanceFlow(s, at(tl, 205_000, { type: 'disclosureEnded', round: 1, positionSec: 10, watchedSec: 9 }), RULES);
    expect(done).toMatchObject({ step: 'confirmation', disclosure: { round: 1, playing: false, watchedMs: 9000, positionSec: 10 } });
  });

  it('refuses a watchedSec that differs from what the booth measured, and the wrong round', () => {
    const { state, tl } = flowAt('disclosure');
    const s = advanceFlow(state, at(tl, 100_000, { type: 'disclosureStarted', round: 1 }), RULES);
    expect(() => advanceFlow(s, at(tl, 112_000, { type: 'disclosureEnded', round: 1, positionSec: 10, watchedSec: 30 }), RULES)).toThrow(/does not match/);
    expect(() => advanceFlow(s, at(tl, 112_000, { type: 'disclosurePaused', round: 2, positionSec: 1 }), RULES)).toThrow(/round 2 is not the current one/);
    expect(() => advanceFlow(s, at(tl, 112_000, { type: 'disclosureResumed', round: 1, positionSec: 1 }), RULES)).toThrow(ConflictError);
  });

  it('starts the round over when the disclosure starts again', () => {
    const { state, tl } = flowAt('disclosure');
    let s = advanceFlow(state, at(tl, 100_000, { type: 'disclosureStarted', round: 1 }), RULES);
    s = advanceFlow(s, at(tl, 108_000, { type: 'disclosureStarted', round: 1 }), RULES);
    expect(() => advanceFlow(s, at(tl, 110_000, { type: 'disclosureEnded', round: 1, positionSec: 10, watchedSec: 2 }), RULES)).toThrow(/cannot be skipped/);
  });
});

describe('kiosk flow machine: confirmation', () => {
  it('replays the disclosure after a failed confirmation and aborts after the last attempt', () => {
    const start = flowAt('confirmation');
    const tl = start.tl;
    let s = start.state;
    for (let attempt = 1; attempt < RULES.maxConfirmationAttempts; attempt++) {
      s = advanceFlow(s, tl.at(200_000 * attempt, { type: 'speechChecked', attempt, result: speech(false) }), RULES);
      expect(s).toMatchObject({ step: 'disclosure', disclosure: { round: attempt + 1, playing: false, watchedMs: 0 }, confirmation: { attempts: attempt } });
      s = advanceFlow(s, tl.at(200_000 * attempt + 1000, { type: 'disclosureStarted', round: attempt + 1 }), RULES);
      s = advanceFlow(s, tl.at(200_000 * attempt + 11_000, { type: 'disclosureEnded', round: attempt + 1, positionSec: 10, watchedSec: 10 }), RULES);
      expect(s.step).toBe('confirmation');
    }
    const last = RULES.maxConfirmationAttempts;
    s = advanceFlow(s, tl.at(900_000, { type: 'speechChecked', attempt: last, result: speech(false) }), RULES);
    expect(s).toMatchObject({ step: 'stopping', outcome: 'aborted', endReason: { by: 'system', reason: `the confirmation was not given after ${last} attempts` } });
    expect(replayFlow(FLOW, tl.events, RULES)).toEqual(s);
  });
});

describe('kiosk flow machine: summary, staff and the end of the recording', () => {
  it('needs a signature before the summary is confirmed; a new signature replaces the last', () => {
    const { state, tl } = flowAt('summary');
    expect(() => advanceFlow(state, tl.at(10, { type: 'summaryConfirmed' }), RULES)).toThrow(/must sign/);
    let s = advanceFlow(state, tl.at(10, sample('signatureCaptured', state)), RULES);
    s = advanceFlow(s, tl.at(11, { type: 'signatureCaptured', sha256: 'c'.repeat(64), width: 20, height: 5, pngBase64: 'iVBORw0KGgo=' }), RULES);
    expect(s.signature).toEqual({ sha256: 'c'.repeat(64), width: 20, height: 5 });
    expect(advanceFlow(s, tl.at(12, { type: 'summaryConfirmed' }), RULES)).toMatchObject({ step: 'stopping', outcome: 'completed' });
  });

  it.each(['faceCheck', 'disclosure', 'confirmation', 'summary'] as const)('lets staff abort at %s with the reason kept', (step) => {
    const { state, tl } = flowAt(step);
    const s = advanceFlow(state, tl.at(10, { type: 'staffAborted', staffId: 'S1', reason: 'customer unwell' }), RULES);
    expect(s).toMatchObject({ step: 'stopping', outcome: 'aborted', endReason: { by: 'staff', staffId: 'S1', reason: 'customer unwell' } });
  });

  it('switches the mode only from the mode in use, and keeps the staff member for on-site', () => {
    const { state, tl } = flowAt('disclosure');
    expect(() => advanceFlow(state, tl.at(10, { type: 'modeSwitched', from: 'remote', to: 'onsite', staffId: 'S1' }), RULES)).toThrow(/the mode is self/);
    expect(() => advanceFlow(state, tl.at(10, { type: 'modeSwitched', from: 'self', to: 'self', staffId: 'S1' }), RULES)).toThrow(ConflictError);
    const onsite = advanceFlow(state, tl.at(10, { type: 'modeSwitched', from: 'self', to: 'onsite', staffId: 'S1' }), RULES);
    expect(onsite).toMatchObject({ step: 'disclosure', mode: 'onsite', modeStaffId: 'S1' });
    expect(advanceFlow(onsite, tl.at(11, { type: 'modeSwitched', from: 'onsite', to: 'remote', staffId: 'S2' }), RULES)).toMatchObject({ mode: 'remote', modeStaffId: null });
  });

  it('moves to the sync screen when the recording is interrupted, and refuses the stop of another session', () => {
    const { state, tl } = flowAt('confirmation');
    expect(advanceFlow(state, tl.at(10, { type: 'recordingInterrupted', reason: 'disk full' }), RULES)).toMatchObject({ step: 'sync', outcome: 'interrupted', endReason: { by: 'system', reason: 'disk full' } });
    const stopping = flowAt('stopping').state;
    expect(() => advanceFlow(stopping, tl.at(10, { type: 'recordingStopped', sessionId: '00000000-0000-4000-8000-000000000000' }), RULES)).toThrow(/is not this flow's/);
  });
});
