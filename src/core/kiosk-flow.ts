import type { FlowInput, FlowState, FlowStep, TimelineEvent } from '../protocol/kiosk-flow.js';
import { ConflictError } from './errors.js';

/**
 * The kiosk's session flow as a pure state machine (issue 6):
 *
 * attract → identify → product → mode → starting (recording starts) → faceCheck → disclosure →
 * confirmation → summary → stopping (recording stops) → sync → attract
 *
 * - a failed face check stays on faceCheck (the face is re-acquired) until `maxFaceAttempts`;
 * - a failed confirmation replays the disclosure (next round) until `maxConfirmationAttempts`;
 *   running out of attempts aborts the recording (by the system, with the reason);
 * - the disclosure must be played through: `disclosureEnded` is refused until the booth has
 *   measured at least `minWatchedRatio` of its duration as playing time (pauses do not count);
 * - staff may abort (with a reason) or switch the mode at any recording step; before the
 *   recording, the customer, staff or the idle timer may cancel.
 *
 * The machine consumes timeline events: replaying a flow's recorded timeline through `advanceFlow`
 * gives its state again. Illegal events throw ConflictError (`flow.bad_transition` and friends)
 * and change nothing.
 */

export interface FlowRules {
  maxFaceAttempts: number;
  maxConfirmationAttempts: number;
  /** Share of the disclosure's duration that must have played (wall clock) before it may end. */
  minWatchedRatio: number;
}

/** Steps during which the recording runs and staff may abort or switch the mode. */
export const RECORDING_STEPS: ReadonlySet<FlowStep> = new Set(['faceCheck', 'disclosure', 'confirmation', 'summary']);
/** Steps before the recording, which the customer, staff or the idle timer may cancel. */
export const CANCELLABLE_STEPS: ReadonlySet<FlowStep> = new Set(['identify', 'product', 'mode']);
/** Steps the kiosk's idle timer may end: before the recording, and the sync screen. */
export const IDLE_STEPS: ReadonlySet<FlowStep> = new Set([...CANCELLABLE_STEPS, 'sync']);

/** Events that may come at any step of a running flow and change nothing but the record. */
const AMBIENT: ReadonlySet<FlowInput['type']> = new Set(['languageChanged', 'staffUnlocked', 'staffLocked', 'staffPinRejected', 'faultRaised']);

/** True while the flow runs (not ended). */
export function flowActive(state: FlowState | null): state is FlowState {
  return state !== null && state.step !== 'attract';
}

/** Milliseconds of disclosure played this round, counting the stretch in progress up to `nowMs`. */
export function watchedMs(state: FlowState, nowMs: number): number {
  const d = state.disclosure;
  return d.watchedMs + (d.playingSinceMs === null ? 0 : Math.max(0, nowMs - d.playingSinceMs));
}

function bad(state: FlowState | null, e: FlowInput, code = 'flow.bad_transition', why?: string): never {
  const where = state === null ? 'no flow is running' : state.step === 'attract' ? 'the flow has ended' : `the flow is at ${state.step}`;
  throw new ConflictError(code, why ?? `${e.type} is not allowed: ${where}`);
}

function need(state: FlowState, e: FlowInput, ...steps: FlowStep[]): void {
  if (!steps.includes(state.step)) bad(state, e);
}

const freshDisclosure = (round: number): FlowState['disclosure'] => ({ round, playing: false, paused: false, watchedMs: 0, playingSinceMs: null, positionSec: 0 });

/** The state of a new flow from its `flowStarted` event. */
export function startFlow(flowId: string, ev: TimelineEvent): FlowState {
  const e = ev.event;
  if (e.type !== 'flowStarted') bad(null, e);
  if (e.by === 'staff' && e.staffId === null) bad(null, e, 'flow.staff_required', 'a flow started by staff names the staff member');
  return {
    flowId,
    step: 'identify',
    startedAt: ev.at,
    startedBy: e.by,
    language: e.language,
    customer: null,
    product: null,
    mode: null,
    modeStaffId: null,
    sessionId: null,
    recordingStartedAt: null,
    face: { attempts: 0, passed: false, last: null },
    disclosure: freshDisclosure(0),
    confirmation: { attempts: 0, last: null },
    signature: null,
    outcome: null,
    endReason: null,
    notice: null,
  };
}

/** Applies one timeline event to a running flow; throws ConflictError when it is not allowed now. */
export function advanceFlow(state: FlowState, ev: TimelineEvent, rules: FlowRules): FlowState {
  const e = ev.event;
  const now = Date.parse(ev.at);
  if (!flowActive(state)) bad(state, e);
  if (AMBIENT.has(e.type)) return e.type === 'languageChanged' ? { ...state, language: e.language } : state;
  switch (e.type) {
    case 'flowStarted':
      return bad(state, e, 'flow.already_running', `a flow is already running (at ${state.step})`);
    case 'customerLookupFailed':
      need(state, e, 'identify');
      return { ...state, notice: { code: `customer.${e.reason}`, message: `no customer found for ${e.maskedIdentifier}` } };
    case 'customerIdentified':
      need(state, e, 'identify');
      return { ...state, step: 'product', customer: e.customer, notice: null };
    case 'productChosen':
      need(state, e, 'product');
      return { ...state, step: 'mode', product: e.product, notice: null };
    case 'modeChosen':
      need(state, e, 'mode');
      if (e.mode === 'onsite' && e.staffId === null) bad(state, e, 'flow.staff_required', 'staff on site must unlock the staff controls to choose this mode');
      return { ...state, step: 'starting', mode: e.mode, modeStaffId: e.mode === 'onsite' ? e.staffId : null, notice: null };
    case 'recordingStarted':
      need(state, e, 'starting');
      return { ...state, step: 'faceCheck', sessionId: e.sessionId, recordingStartedAt: e.sessionStartedAt };
    case 'recordingFailed':
      need(state, e, 'starting');
      return { ...state, step: 'mode', notice: { code: 'recording.failed', message: e.message } };
    case 'faceChecked':
      return faceChecked(state, e, rules);
    case 'disclosureStarted':
    case 'disclosurePaused':
    case 'disclosureResumed':
    case 'disclosureEnded':
      return disclosure(state, e, now, rules);
    case 'speechChecked':
      return speechChecked(state, e, rules);
    case 'signatureCaptured':
      need(state, e, 'summary');
      return { ...state, signature: { sha256: e.sha256, width: e.width, height: e.height } };
    case 'summaryConfirmed':
      need(state, e, 'summary');
      if (state.signature === null) bad(state, e, 'flow.signature_required', 'the customer must sign before confirming the summary');
      return { ...state, step: 'stopping', outcome: 'completed' };
    case 'modeSwitched':
      if (!RECORDING_STEPS.has(state.step)) bad(state, e);
      if (e.from !== state.mode || e.to === e.from) bad(state, e, 'flow.bad_mode', `cannot switch from ${e.from} to ${e.to}: the mode is ${state.mode ?? 'not chosen'}`);
      return { ...state, mode: e.to, modeStaffId: e.to === 'onsite' ? e.staffId : null };
    case 'staffAborted':
      if (!RECORDING_STEPS.has(state.step)) bad(state, e);
      return { ...state, step: 'stopping', outcome: 'aborted', endReason: { by: 'staff', staffId: e.staffId, reason: e.reason }, disclosure: { ...state.disclosure, playing: false, playingSinceMs: null } };
    case 'recordingInterrupted':
      if (!RECORDING_STEPS.has(state.step) && state.step !== 'starting' && state.step !== 'stopping') bad(state, e);
      return { ...state, step: 'sync', outcome: 'interrupted', endReason: { by: 'system', staffId: null, reason: e.reason } };
    case 'recordingStopped':
      need(state, e, 'stopping');
      if (e.sessionId !== state.sessionId) bad(state, e, 'flow.wrong_session', `recording ${e.sessionId} is not this flow's (${state.sessionId ?? 'none'})`);
      return { ...state, step: 'sync' };
    case 'flowCancelled':
      if (!CANCELLABLE_STEPS.has(state.step) || e.step !== state.step) bad(state, e);
      return { ...state, step: 'attract', outcome: 'cancelled' };
    case 'flowEnded':
      need(state, e, 'sync');
      return { ...state, step: 'attract' };
    case 'languageChanged':
    case 'staffUnlocked':
    case 'staffLocked':
    case 'staffPinRejected':
    case 'faultRaised':
      return state; // handled above (AMBIENT)
    default: {
      const unreachable: never = e;
      throw new ConflictError('flow.unknown_event', `unknown flow event ${JSON.stringify(unreachable)}`);
    }
  }
}

function systemAbort(state: FlowState, reason: string): FlowState {
  return { ...state, step: 'stopping', outcome: 'aborted', endReason: { by: 'system', staffId: null, reason } };
}

function faceChecked(state: FlowState, e: Extract<FlowInput, { type: 'faceChecked' }>, rules: FlowRules): FlowState {
  need(state, e, 'faceCheck');
  if (e.attempt !== state.face.attempts + 1) bad(state, e, 'flow.bad_attempt', `face check attempt ${e.attempt} is not the next one (${state.face.attempts + 1})`);
  const face = { attempts: e.attempt, passed: e.result.passed, last: e.result };
  if (e.result.passed) return { ...state, face, step: 'disclosure', disclosure: freshDisclosure(1) };
  if (e.attempt >= rules.maxFaceAttempts) return systemAbort({ ...state, face }, `the face check failed ${e.attempt} times`);
  return { ...state, face };
}

function speechChecked(state: FlowState, e: Extract<FlowInput, { type: 'speechChecked' }>, rules: FlowRules): FlowState {
  need(state, e, 'confirmation');
  if (e.attempt !== state.confirmation.attempts + 1) bad(state, e, 'flow.bad_attempt', `confirmation attempt ${e.attempt} is not the next one (${state.confirmation.attempts + 1})`);
  const confirmation = { attempts: e.attempt, last: e.result };
  if (e.result.passed) return { ...state, confirmation, step: 'summary' };
  if (e.attempt >= rules.maxConfirmationAttempts) return systemAbort({ ...state, confirmation }, `the confirmation was not given after ${e.attempt} attempts`);
  return { ...state, confirmation, step: 'disclosure', disclosure: freshDisclosure(state.disclosure.round + 1) };
}

type DisclosureInput = Extract<FlowInput, { type: 'disclosureStarted' | 'disclosurePaused' | 'disclosureResumed' | 'disclosureEnded' }>;

function disclosure(state: FlowState, e: DisclosureInput, now: number, rules: FlowRules): FlowState {
  need(state, e, 'disclosure');
  const d = state.disclosure;
  if (e.round !== d.round) bad(state, e, 'flow.bad_round', `disclosure round ${e.round} is not the current one (${d.round})`);
  switch (e.type) {
    case 'disclosureStarted':
      // Playing from the beginning (again, e.g. after the kiosk page restarted): the round starts over.
      return { ...state, disclosure: { ...freshDisclosure(d.round), playing: true, playingSinceMs: now } };
    case 'disclosurePaused':
      if (!d.playing) bad(state, e);
      return { ...state, disclosure: { ...d, playing: false, paused: true, watchedMs: watchedMs(state, now), playingSinceMs: null, positionSec: e.positionSec } };
    case 'disclosureResumed':
      if (!d.paused) bad(state, e);
      return { ...state, disclosure: { ...d, playing: true, paused: false, playingSinceMs: now, positionSec: e.positionSec } };
    case 'disclosureEnded': {
      if (!d.playing) bad(state, e);
      const watched = watchedMs(state, now);
      const needMs = rules.minWatchedRatio * (state.product?.disclosure.durationSec ?? 0) * 1000;
      if (watched < needMs) {
        bad(state, e, 'flow.disclosure_incomplete', `the disclosure played for ${(watched / 1000).toFixed(1)} s of the ${((needMs / 1000)).toFixed(1)} s required; it cannot be skipped`);
      }
      if (Math.abs(e.watchedSec * 1000 - watched) > 1) bad(state, e, 'flow.bad_watched', `watchedSec ${e.watchedSec} does not match the ${watched / 1000} s measured`);
      return { ...state, step: 'confirmation', disclosure: { ...d, playing: false, watchedMs: watched, playingSinceMs: null, positionSec: e.positionSec } };
    }
  }
}

/** Replays a recorded timeline (first event `flowStarted`) to the flow's state. */
export function replayFlow(flowId: string, events: readonly TimelineEvent[], rules: FlowRules): FlowState {
  const [first, ...rest] = events;
  if (first === undefined) throw new ConflictError('flow.empty', 'a flow timeline starts with flowStarted');
  let state = startFlow(flowId, first);
  for (const ev of rest) state = advanceFlow(state, ev, rules);
  return state;
}
