import { z } from 'zod';
import { FaultKind, FaultSeverity } from './faults.js';
import { Base64, IsoTime, ProductId, SessionId, Sha256Hex } from './ids.js';

/**
 * The kiosk's guided session (issue 6). The flow's rules live in src/core/kiosk-flow.ts; this file
 * holds the typed messages: what the kiosk asks the booth to do (`FlowAction`), the timeline events
 * the booth records for every step and staff action (`TimelineEvent`, signed into the session
 * manifest), and what the kiosk shows (`KioskView`).
 */

export const KioskMode = z.enum(['self', 'onsite', 'remote']);
export type KioskMode = z.infer<typeof KioskMode>;

/**
 * Where the flow stands. `attract` means no flow is running. The recording runs from `starting`
 * (capture starting) to `stopping`; the face check runs inside the recording because the recorder
 * is the only owner of the camera, and the identity check is itself evidence.
 */
export const FlowStep = z.enum(['attract', 'identify', 'product', 'mode', 'starting', 'faceCheck', 'disclosure', 'confirmation', 'summary', 'stopping', 'sync']);
export type FlowStep = z.infer<typeof FlowStep>;

export const StartedBy = z.enum(['customer', 'staff']);
export type StartedBy = z.infer<typeof StartedBy>;

export const KioskLanguage = z.enum(['zh-CN', 'en']);
export type KioskLanguage = z.infer<typeof KioskLanguage>;

/** A staff member on the booth: their server account id (UUID) or username, as configured with their PIN. */
export const KioskStaffId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'staff id must be 1-64 letters, digits, dot, dash or underscore');
export const KioskCustomerId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'customer id must be 1-64 letters, digits, dot, dash or underscore');

/** Mainland resident ID number (GB 11643): 17 digits and a check character (digit or X). */
export const IdNumber = z.string().regex(/^\d{17}[\dX]$/, 'ID number must be 17 digits followed by a digit or X');
/** A customer code from the teller system (printed on the teller's slip). */
export const TellerCode = z.string().regex(/^[A-Z0-9]{4,32}$/, 'teller code must be 4-32 capital letters or digits');

export const IdMethod = z.enum(['idNumber', 'tellerCode']);
export type IdMethod = z.infer<typeof IdMethod>;

export const CustomerQuery = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('idNumber'), value: IdNumber }),
  z.strictObject({ method: z.literal('tellerCode'), value: TellerCode }),
]);
export type CustomerQuery = z.infer<typeof CustomerQuery>;

const Text = (max: number) => z.string().min(1).max(max);
export const LocalizedText = z.strictObject({ zh: Text(300), en: Text(300) });
export type LocalizedText = z.infer<typeof LocalizedText>;

/**
 * A customer as the kiosk and the timeline see them: never the full ID number, only a masked form
 * (the archive links the recording to the customer by `customerId`).
 */
export const CustomerSummary = z.strictObject({
  customerId: KioskCustomerId,
  /** The name with all but the first character masked (张*明). */
  displayName: Text(100),
  maskedIdentifier: Text(40),
  /** `server`: looked up now; `cache`: the server was unreachable, answered from the booth's cache; `local`: the booth's own list. */
  source: z.enum(['server', 'cache', 'local']),
  /** The customer has an enrolled face the face check can compare with. */
  enrolledFace: z.boolean(),
});
export type CustomerSummary = z.infer<typeof CustomerSummary>;

export const ConfirmationPhraseView = z.strictObject({
  id: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/, 'phrase id must be a lowercase slug'),
  /** The sentence the customer reads aloud (Chinese). */
  text: Text(200),
  /** Its English rendering for the en kiosk language, or null. */
  en: Text(300).nullable(),
});
export type ConfirmationPhraseView = z.infer<typeof ConfirmationPhraseView>;

/** A product the kiosk offers, with what the flow needs of it: the disclosure and the confirmation. */
export const ProductOffer = z.strictObject({
  productId: ProductId,
  /** Catalogue version of the disclosure content, null for booth-configured products. */
  version: z.number().int().min(1).nullable(),
  name: LocalizedText,
  riskLevel: z.string().max(16).nullable(),
  disclosure: z.strictObject({
    durationSec: z.number().positive().max(4 * 3600),
    mime: z.enum(['video/webm', 'video/mp4']),
  }),
  phrases: z.array(ConfirmationPhraseView).min(1).max(10),
});
export type ProductOffer = z.infer<typeof ProductOffer>;

/** Who decided a check: the booth's engine (issue 7) or a staff member confirming by hand. */
export const CheckSource = z.enum(['engine', 'staff']);
export type CheckSource = z.infer<typeof CheckSource>;

const Note = z.string().max(500).nullable();

/** A face check decision with its evidence. Staff decisions carry the staff id and no score. */
export const FaceCheckResult = z.strictObject({
  check: z.literal('face'),
  passed: z.boolean(),
  source: CheckSource,
  /** The engine's match measure (face-api: descriptor distance, lower is closer; `engine` names it) and the threshold it was judged against. */
  score: z.number().nullable(),
  threshold: z.number().nullable(),
  /** Faces seen in the frame judged. */
  faces: z.number().int().min(0).nullable(),
  engine: z.string().max(100).nullable(),
  staffId: KioskStaffId.nullable(),
  note: Note,
});
export type FaceCheckResult = z.infer<typeof FaceCheckResult>;

/** A speech check decision: was the confirmation said. */
export const SpeechCheckResult = z.strictObject({
  check: z.literal('speech'),
  passed: z.boolean(),
  source: CheckSource,
  phraseIds: z.array(z.string().max(64)).max(10),
  transcript: z.string().max(2000).nullable(),
  score: z.number().nullable(),
  engine: z.string().max(100).nullable(),
  staffId: KioskStaffId.nullable(),
  note: Note,
});
export type SpeechCheckResult = z.infer<typeof SpeechCheckResult>;

export const CheckResult = z.discriminatedUnion('check', [FaceCheckResult, SpeechCheckResult]);
export type CheckResult = z.infer<typeof CheckResult>;

export const FlowOutcome = z.enum(['completed', 'aborted', 'cancelled', 'interrupted']);
export type FlowOutcome = z.infer<typeof FlowOutcome>;

/** A signature image (PNG) is at most this many base64 characters (~300 KB). */
export const MAX_SIGNATURE_BASE64 = 400_000;

const EndedBy = z.enum(['customer', 'staff', 'idle', 'system']);

const Reason = z.string().trim().min(1, 'a reason is required').max(500);

// ---- timeline -----------------------------------------------------------------------------

/**
 * The payload of each timeline event. The flow machine (src/core/kiosk-flow.ts) consumes exactly
 * these: replaying a flow's timeline through it gives the flow's state.
 */
export const FlowInput = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('flowStarted'), by: StartedBy, staffId: KioskStaffId.nullable(), language: KioskLanguage }),
  z.strictObject({ type: z.literal('languageChanged'), language: KioskLanguage }),
  z.strictObject({ type: z.literal('customerLookupFailed'), method: IdMethod, maskedIdentifier: Text(40), reason: z.enum(['notFound', 'unavailable', 'invalid']) }),
  z.strictObject({ type: z.literal('customerIdentified'), method: IdMethod, customer: CustomerSummary }),
  z.strictObject({ type: z.literal('productChosen'), product: ProductOffer }),
  z.strictObject({ type: z.literal('modeChosen'), mode: KioskMode, staffId: KioskStaffId.nullable() }),
  /** The recording runs; `sessionStartedAt` is the session's (and manifest's) start, the zero of every `sessionSec`. */
  z.strictObject({ type: z.literal('recordingStarted'), sessionId: SessionId, sessionStartedAt: IsoTime }),
  z.strictObject({ type: z.literal('recordingFailed'), message: Text(2000) }),
  z.strictObject({ type: z.literal('faceChecked'), attempt: z.number().int().min(1), result: FaceCheckResult }),
  z.strictObject({ type: z.literal('disclosureStarted'), round: z.number().int().min(1) }),
  z.strictObject({ type: z.literal('disclosurePaused'), round: z.number().int().min(1), positionSec: z.number().min(0) }),
  z.strictObject({ type: z.literal('disclosureResumed'), round: z.number().int().min(1), positionSec: z.number().min(0) }),
  z.strictObject({ type: z.literal('disclosureEnded'), round: z.number().int().min(1), positionSec: z.number().min(0), watchedSec: z.number().min(0) }),
  z.strictObject({ type: z.literal('speechChecked'), attempt: z.number().int().min(1), result: SpeechCheckResult }),
  z.strictObject({
    type: z.literal('signatureCaptured'),
    sha256: Sha256Hex,
    width: z.number().int().min(1).max(4096),
    height: z.number().int().min(1).max(4096),
    pngBase64: Base64.max(MAX_SIGNATURE_BASE64),
  }),
  z.strictObject({ type: z.literal('summaryConfirmed') }),
  z.strictObject({ type: z.literal('staffUnlocked'), staffId: KioskStaffId }),
  z.strictObject({ type: z.literal('staffLocked'), staffId: KioskStaffId }),
  z.strictObject({ type: z.literal('staffPinRejected'), failures: z.number().int().min(1) }),
  z.strictObject({ type: z.literal('modeSwitched'), from: KioskMode, to: KioskMode, staffId: KioskStaffId }),
  z.strictObject({ type: z.literal('staffAborted'), staffId: KioskStaffId, reason: Reason }),
  z.strictObject({ type: z.literal('faultRaised'), kind: FaultKind, severity: FaultSeverity, message: z.string().max(2000) }),
  /** The recording ended by itself (emergency stop: recorder failed, disk full, booth shut down or restarted). */
  z.strictObject({ type: z.literal('recordingInterrupted'), reason: z.string().max(2000) }),
  z.strictObject({ type: z.literal('recordingStopped'), sessionId: SessionId }),
  /** Before the recording: the customer or staff left, the idle timer ran out, or (`system`) the booth restarted. */
  z.strictObject({ type: z.literal('flowCancelled'), step: FlowStep, by: EndedBy, staffId: KioskStaffId.nullable(), reason: z.string().max(500).nullable() }),
  /** The sync screen was left. */
  z.strictObject({ type: z.literal('flowEnded'), by: EndedBy }),
]);
export type FlowInput = z.infer<typeof FlowInput>;
export type FlowInputType = FlowInput['type'];

/** One recorded event: its order in the flow, wall-clock time, and seconds into the recording (null before it starts). */
export const TimelineEvent = z.strictObject({
  seq: z.number().int().min(0),
  at: IsoTime,
  sessionSec: z.number().min(0).nullable(),
  event: FlowInput,
});
export type TimelineEvent = z.infer<typeof TimelineEvent>;

/** A session's timeline as the manifest carries it. */
export const Timeline = z.array(TimelineEvent).max(20_000);
export type Timeline = z.infer<typeof Timeline>;

// ---- the flow's state -----------------------------------------------------------------------

export const FlowState = z.strictObject({
  flowId: z.uuid(),
  step: FlowStep,
  startedAt: IsoTime,
  startedBy: StartedBy,
  language: KioskLanguage,
  customer: CustomerSummary.nullable(),
  product: ProductOffer.nullable(),
  mode: KioskMode.nullable(),
  /** The staff member present (on-site mode). */
  modeStaffId: KioskStaffId.nullable(),
  sessionId: SessionId.nullable(),
  /** Start of the session the flow records (the zero of `sessionSec`). */
  recordingStartedAt: IsoTime.nullable(),
  face: z.strictObject({ attempts: z.number().int().min(0), passed: z.boolean(), last: FaceCheckResult.nullable() }),
  disclosure: z.strictObject({
    /** 0 before the first play; each replay after a failed confirmation is the next round. */
    round: z.number().int().min(0),
    playing: z.boolean(),
    paused: z.boolean(),
    /** Wall-clock milliseconds the disclosure has been playing this round (measured by the booth). */
    watchedMs: z.number().min(0),
    /** When the current playing stretch began (epoch ms), null while not playing. */
    playingSinceMs: z.number().nullable(),
    positionSec: z.number().min(0),
  }),
  confirmation: z.strictObject({ attempts: z.number().int().min(0), last: SpeechCheckResult.nullable() }),
  signature: z.strictObject({ sha256: Sha256Hex, width: z.number().int(), height: z.number().int() }).nullable(),
  outcome: FlowOutcome.nullable(),
  /** Why the recording was aborted or interrupted. */
  endReason: z.strictObject({ by: z.enum(['staff', 'system']), staffId: KioskStaffId.nullable(), reason: z.string().max(2000) }).nullable(),
  /** The last problem to show (lookup failed, recording could not start), cleared by the next step. */
  notice: z.strictObject({ code: z.string().max(64), message: z.string().max(2000) }).nullable(),
});
export type FlowState = z.infer<typeof FlowState>;

// ---- kiosk -> booth -------------------------------------------------------------------------

export const FlowAction = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('start'), by: StartedBy, language: KioskLanguage }),
  z.strictObject({ type: z.literal('identify'), query: CustomerQuery }),
  z.strictObject({ type: z.literal('chooseProduct'), productId: ProductId }),
  z.strictObject({ type: z.literal('chooseMode'), mode: KioskMode }),
  z.strictObject({ type: z.literal('disclosure'), event: z.enum(['started', 'paused', 'resumed', 'ended']), positionSec: z.number().min(0).max(86_400) }),
  z.strictObject({ type: z.literal('signature'), pngBase64: Base64.max(MAX_SIGNATURE_BASE64, 'the signature image is too large') }),
  z.strictObject({ type: z.literal('confirmSummary') }),
  /** The customer leaves before the recording starts. */
  z.strictObject({ type: z.literal('cancel') }),
  /** The customer leaves the sync screen. */
  z.strictObject({ type: z.literal('finish') }),
  /** The kiosk's idle timer ran out (allowed before the recording and on the sync screen). */
  z.strictObject({ type: z.literal('idle') }),
  z.strictObject({ type: z.literal('language'), language: KioskLanguage }),
  z.strictObject({ type: z.literal('staffUnlock'), pin: z.string().regex(/^\d{4,12}$/, 'a staff PIN is 4-12 digits') }),
  z.strictObject({ type: z.literal('staffLock') }),
  z.strictObject({ type: z.literal('staffAbort'), reason: Reason }),
  z.strictObject({ type: z.literal('staffSwitchMode'), mode: KioskMode }),
  z.strictObject({ type: z.literal('staffDecision'), check: z.enum(['face', 'speech']), passed: z.boolean(), note: z.string().max(500).optional() }),
]);
export type FlowAction = z.infer<typeof FlowAction>;

// ---- booth -> kiosk -------------------------------------------------------------------------

export const KioskView = z.strictObject({
  /** The flow in progress (or on its sync screen); null on the attract screen. */
  flow: FlowState.nullable(),
  /** Products to choose from (on the product step), else empty. */
  offers: z.array(ProductOffer),
  staff: z.strictObject({
    /** Staff PINs are configured on this booth. */
    configured: z.boolean(),
    unlocked: z.boolean(),
    staffId: KioskStaffId.nullable(),
    name: z.string().max(100).nullable(),
    /** While too many wrong PINs were entered, the overlay refuses PINs until then. */
    lockedOutUntil: IsoTime.nullable(),
  }),
  /** How each check is decided on this booth: an engine, or staff confirming by hand. */
  checks: z.strictObject({ face: CheckSource, speech: CheckSource }),
  rules: z.strictObject({
    maxFaceAttempts: z.number().int().min(1),
    maxConfirmationAttempts: z.number().int().min(1),
    idleResetSec: z.number().min(5),
    confirmationWindowSec: z.number().min(1),
  }),
});
export type KioskView = z.infer<typeof KioskView>;

/** Where the kiosk finds a product's disclosure video (bridge in browser mode). */
export const BRIDGE_DISCLOSURE_PATH = '/bridge/v1/disclosure';
export function disclosurePath(productId: string): string {
  return `${BRIDGE_DISCLOSURE_PATH}/${encodeURIComponent(productId)}`;
}
/** The same video inside Electron (a privileged scheme main serves from the booth's content folder). */
export const CONTENT_SCHEME = 'dualrec-content';
