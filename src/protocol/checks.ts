import { z } from 'zod';
import { FaceDescriptor } from './customers.js';
import { IsoTime } from './ids.js';
import { ConfirmationPhrase } from './keywords.js';

/**
 * Face and speech checks (issue 7): the policy a session runs with, the typed timeline events every
 * decision is recorded as (with its evidence), and the live view the kiosk shows. The booth emits
 * these events over the bridge; the archive's machine review reads the same shapes.
 */

/**
 * Largest descriptor distance still counted as the same person. Chosen from distances measured on
 * the face-api demo photos (docs/ARCHITECTURE.md, "Face threshold"): no pair of different people
 * was closer than 0.448, the booth's own view of an enrolled face stayed under 0.33.
 */
export const DEFAULT_FACE_THRESHOLD = 0.42;

/** Refusals the speech engine listens for alongside the phrases: one heard in an utterance makes it a refusal. */
export const DEFAULT_REFUSALS = ['我不同意', '我不确认', '不确认', '不购买', '我不理解', '不清楚', '不愿意'] as const;

export const FacePolicy = z.strictObject({
  /** Descriptor distance below which a face matches the enrolled one. */
  threshold: z.number().min(0.1).max(1).default(DEFAULT_FACE_THRESHOLD),
  /** Frames with exactly one face that one verification attempt measures; it matches on their median. */
  framesPerAttempt: z.number().int().min(1).max(10).default(3),
  /** Attempts before the face check fails (the kiosk asks the customer to face the camera between them). */
  maxAttempts: z.number().int().min(1).max(10).default(3),
  /** An attempt that sees no usable frame for this long fails (no face / several faces). */
  attemptTimeoutSec: z.number().min(1).max(120).default(8),
  /** How often presence is sampled during the recording. */
  presenceEverySec: z.number().min(0.2).max(10).default(0.5),
  /** Absent (or several faces) for this long before the timeline records it, so a blink of the detector is not an absence. */
  changeAfterSec: z.number().min(0).max(30).default(1.5),
  /** After a match, the face is verified again this often while recording; 0 turns it off. */
  reverifyEverySec: z.number().min(0).max(600).default(20),
});
export type FacePolicy = z.infer<typeof FacePolicy>;

export const ConfirmationPolicy = z.strictObject({
  /** After the disclosure has ended, the customer has this long to say the phrases. */
  windowSec: z.number().min(3).max(300).default(25),
  /** Utterances heard in one window before the disclosure is replayed. */
  maxAttempts: z.number().int().min(1).max(10).default(3),
  /** Replays of the disclosure before the confirmation fails. */
  maxReplays: z.number().int().min(0).max(5).default(1),
  /** Refusal phrases spotted alongside the confirmation phrases. */
  refusals: z.array(z.string().min(2).max(40)).max(30).default([...DEFAULT_REFUSALS]),
});
export type ConfirmationPolicy = z.infer<typeof ConfirmationPolicy>;

export const ChecksPolicy = z.strictObject({ face: FacePolicy.prefault({}), confirmation: ConfirmationPolicy.prefault({}) });
export type ChecksPolicy = z.infer<typeof ChecksPolicy>;
export type ChecksPolicyInput = z.input<typeof ChecksPolicy>;

/** Why a face attempt did not match. */
export const FaceMiss = z.enum(['no_face', 'multiple_faces', 'not_matching']);
export type FaceMiss = z.infer<typeof FaceMiss>;

export const PresenceState = z.enum(['present', 'absent', 'multiple']);
export type PresenceState = z.infer<typeof PresenceState>;

/** One measured frame of a verification attempt. */
export const FaceFrameEvidence = z.strictObject({ atSec: z.number(), faces: z.number().int().min(0), distance: z.number().nullable() });

export const KeywordHit = z.strictObject({
  /** The phrase id (or `refusal`) and the label of the keyword spelling that was spotted. */
  phraseId: z.string(),
  text: z.string(),
  atSec: z.number(),
});
export type KeywordHit = z.infer<typeof KeywordHit>;

const at = { at: IsoTime, atSec: z.number().min(0) };

/** Every decision of the checks, with its evidence, in the session's timeline (seconds since the recording began). */
export const CheckEvent = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('checks.started'),
    ...at,
    policy: ChecksPolicy,
    phrases: z.array(ConfirmationPhrase),
    /** How many enrolled descriptors the face is compared with. */
    enrolledFaces: z.number().int().min(1),
    engines: z.strictObject({ face: z.string(), speech: z.string().nullable() }),
  }),
  z.strictObject({
    type: z.literal('face.attempt'),
    ...at,
    attempt: z.number().int().min(1),
    frames: z.array(FaceFrameEvidence),
    medianDistance: z.number().nullable(),
    threshold: z.number(),
    matched: z.boolean(),
    miss: FaceMiss.nullable(),
  }),
  /** The kiosk should ask the customer to face the camera; the next attempt has begun. */
  z.strictObject({ type: z.literal('face.reacquire'), ...at, attempt: z.number().int().min(2), reason: FaceMiss }),
  z.strictObject({ type: z.literal('face.verified'), ...at, attempts: z.number().int().min(1), distance: z.number() }),
  z.strictObject({ type: z.literal('face.failed'), ...at, attempts: z.number().int().min(1), reason: FaceMiss }),
  /** During the recording: the verified face checked again. */
  z.strictObject({ type: z.literal('face.reverify'), ...at, distance: z.number().nullable(), matched: z.boolean(), faces: z.number().int().min(0) }),
  /** Presence changed (debounced); `sinceSec` is when the new state began. */
  z.strictObject({ type: z.literal('face.presence'), ...at, state: PresenceState, sinceSec: z.number().min(0), faces: z.number().int().min(0) }),
  /** One stretch of speech the voice-activity gate let through, with what was spotted in it. */
  z.strictObject({
    type: z.literal('speech.utterance'),
    ...at,
    startSec: z.number().min(0),
    endSec: z.number().min(0),
    hits: z.array(KeywordHit),
    transcript: z.string().nullable(),
  }),
  z.strictObject({ type: z.literal('disclosure.ended'), ...at, played: z.number().int().min(1) }),
  z.strictObject({
    type: z.literal('confirmation.attempt'),
    ...at,
    attempt: z.number().int().min(1),
    outcome: z.enum(['confirmed', 'refused', 'incomplete']),
    /** Keyword labels heard so far in this window, per phrase id. */
    heard: z.record(z.string(), z.array(z.string())),
    refusals: z.array(z.string()),
    startSec: z.number().min(0),
    endSec: z.number().min(0),
  }),
  z.strictObject({ type: z.literal('confirmation.confirmed'), ...at, attempts: z.number().int().min(1), replays: z.number().int().min(0), evidence: z.array(KeywordHit) }),
  /** The kiosk must play the disclosure again, then call disclosureEnded. */
  z.strictObject({ type: z.literal('disclosure.replay'), ...at, replay: z.number().int().min(1), reason: z.enum(['refused', 'not_confirmed', 'silence']) }),
  z.strictObject({ type: z.literal('confirmation.failed'), ...at, attempts: z.number().int().min(0), replays: z.number().int().min(0), reason: z.enum(['refused', 'not_confirmed', 'silence']) }),
  z.strictObject({ type: z.literal('checks.error'), ...at, engine: z.enum(['face', 'speech']), message: z.string().max(2000) }),
  z.strictObject({ type: z.literal('checks.stopped'), ...at, passed: z.boolean(), presence: z.record(PresenceState, z.number()) }),
]);
export type CheckEvent = z.infer<typeof CheckEvent>;
export type CheckEventType = CheckEvent['type'];
/** A check event before the clock stamps it (the policies are pure and timeless). */
export type CheckDecision = CheckEvent extends infer E ? (E extends CheckEvent ? Omit<E, 'at'> : never) : never;

export const FaceCheckStatus = z.enum(['idle', 'verifying', 'matched', 'failed']);
export const ConfirmationStatus = z.enum(['waiting_disclosure', 'listening', 'replay', 'confirmed', 'failed', 'unavailable']);

/** What the kiosk shows while a session's checks run. */
export const ChecksView = z.strictObject({
  active: z.boolean(),
  face: z.strictObject({ status: FaceCheckStatus, attempt: z.number().int().min(0), lastDistance: z.number().nullable(), threshold: z.number() }),
  presence: z.strictObject({ state: PresenceState.nullable(), sinceSec: z.number().nullable() }),
  confirmation: z.strictObject({
    status: ConfirmationStatus,
    attempt: z.number().int().min(0),
    replays: z.number().int().min(0),
    /** Session seconds when the current listening window closes. */
    windowEndsAtSec: z.number().nullable(),
  }),
  /** Face verified and confirmation given. */
  passed: z.boolean(),
});
export type ChecksView = z.infer<typeof ChecksView>;

/** Kiosk -> booth requests of the checks (joined into BoothRequest). */
export const StartChecksRequest = z.strictObject({
  type: z.literal('startChecks'),
  /** The customer's enrolled descriptors (BoothCustomer.faces); the closest one counts. */
  enrolledDescriptors: z.array(FaceDescriptor).min(1, 'at least one enrolled face descriptor is required').max(10),
  /** The phrases to confirm now (from the product's published version, with their keyword spellings). */
  phrases: z.array(ConfirmationPhrase).min(1, 'at least one confirmation phrase is required').max(10),
  policy: ChecksPolicy.optional(),
});
export const ChecksRequests = [
  StartChecksRequest,
  /** Start a new round of face attempts (after staff helped the customer). */
  z.strictObject({ type: z.literal('verifyFace') }),
  /** The disclosure has been played to the end: the confirmation window opens. */
  z.strictObject({ type: z.literal('disclosureEnded') }),
  z.strictObject({ type: z.literal('getChecks') }),
] as const;

export const ChecksSnapshot = z.strictObject({ view: ChecksView, events: z.array(CheckEvent) });
export type ChecksSnapshot = z.infer<typeof ChecksSnapshot>;

export interface ChecksResponses {
  startChecks: ChecksView;
  verifyFace: ChecksView;
  disclosureEnded: ChecksView;
  getChecks: ChecksSnapshot;
}
