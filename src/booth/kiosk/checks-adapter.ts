import { ConflictError } from '../../core/errors.js';
import { generateKeywords } from '../../core/keywords.js';
import { REFUSAL_ID } from '../../core/checks/phrases.js';
import type { CheckEvent, ChecksPolicy, ChecksResponses } from '../../protocol/checks.js';
import type { BoothRequest } from '../../protocol/booth-api.js';
import type { FaceCheckResult, SpeechCheckResult } from '../../protocol/kiosk-flow.js';
import type { CheckEngines, FaceCheckEngine, FaceCheckRequest, SpeechCheckEngine, SpeechCheckRequest } from './seams.js';

type ChecksRequest = Extract<BoothRequest, { type: keyof ChecksResponses }>;

/** What the adapter needs of issue 7's ChecksService. */
export interface ChecksPort {
  handle(req: ChecksRequest): Promise<unknown>;
  on(event: 'event', cb: (e: CheckEvent) => void): unknown;
  off(event: 'event', cb: (e: CheckEvent) => void): unknown;
}

export interface ChecksAdapterOptions {
  /** The customer's enrolled face descriptors, or null (then staff decide the face check). */
  enrolled: (customerId: string) => readonly (readonly number[])[] | null;
  /** The booth's default checks policy (`checks.policy`). */
  policy: ChecksPolicy;
  /** The flow's confirmation window (`kiosk.confirmationWindowSec`). */
  windowSec: number;
}

/** Most replays the checks allow (ConfirmationPolicy.maxReplays): the flow counts its own rounds below it. */
const ENGINE_MAX_REPLAYS = 5;

/**
 * The kiosk flow's check engines over issue 7's ChecksService: the flow counts the attempts
 * (`kiosk.maxFaceAttempts`, `maxConfirmationAttempts`), so one `verify()` is one engine face
 * attempt (`face.maxAttempts: 1`) and one `listen()` is one confirmation window (replays left to the
 * flow). The first `verify()` of a session sends `startChecks` with the customer's descriptors and
 * the product's phrases (keyword spellings generated from the text); each answer is the engine's
 * next decision event, which ChecksService has already stored in the session timeline.
 */
export class ChecksEngineAdapter implements FaceCheckEngine, SpeechCheckEngine {
  readonly name = 'checks';
  private startedFor: string | null = null;
  private engines = { face: 'face', speech: 'speech' };
  private lastDistance: number | null = null;
  private lastTranscript: string | null = null;

  constructor(
    private readonly checks: ChecksPort,
    private readonly o: ChecksAdapterOptions,
  ) {}

  async verify(req: FaceCheckRequest, signal: AbortSignal): Promise<FaceCheckResult> {
    const enrolled = this.o.enrolled(req.customer.customerId);
    if (!enrolled || enrolled.length === 0) throw new ConflictError('checks.no_enrolled_face', `customer ${req.customer.customerId} has no enrolled face descriptors: staff decide the face check`);
    this.lastDistance = null;
    const answer = this.next(signal, (e) => (e.type === 'face.verified' || e.type === 'face.failed' ? e : null));
    try {
      if (this.startedFor === req.sessionId) {
        await this.checks.handle({ type: 'verifyFace' });
      } else {
        const phrases = req.phrases.map((p) => ({ id: p.id, text: p.text, keywords: generateKeywords(p.text) }));
        await this.checks.handle({ type: 'startChecks', enrolledDescriptors: enrolled.map((d) => [...d]), phrases, policy: this.policy() });
        this.startedFor = req.sessionId;
      }
    } catch (err) {
      answer.cancel();
      throw err;
    }
    const e = await answer.promise;
    const passed = e.type === 'face.verified';
    return {
      check: 'face',
      passed,
      source: 'engine',
      score: e.type === 'face.verified' ? e.distance : this.lastDistance,
      threshold: this.o.policy.face.threshold,
      faces: passed ? 1 : null,
      engine: this.engines.face,
      staffId: null,
      note: e.type === 'face.failed' ? e.reason : null,
    };
  }

  async listen(req: SpeechCheckRequest, signal: AbortSignal): Promise<SpeechCheckResult> {
    if (this.startedFor !== req.sessionId) throw new ConflictError('checks.not_started', `the checks have not started for session ${req.sessionId}: staff decide the confirmation`);
    this.lastTranscript = null;
    const answer = this.next(signal, (e) => (e.type === 'confirmation.confirmed' || e.type === 'disclosure.replay' || e.type === 'confirmation.failed' ? e : null));
    try {
      await this.checks.handle({ type: 'disclosureEnded' });
    } catch (err) {
      answer.cancel();
      throw err;
    }
    const e = await answer.promise;
    const passed = e.type === 'confirmation.confirmed';
    const hits = passed ? e.evidence.filter((h) => h.phraseId !== REFUSAL_ID) : [];
    return {
      check: 'speech',
      passed,
      source: 'engine',
      phraseIds: [...new Set(hits.map((h) => h.phraseId))].slice(0, 10),
      transcript: this.lastTranscript ?? (hits.length > 0 ? hits.map((h) => h.text).join(' ') : null),
      score: null,
      engine: this.engines.speech,
      staffId: null,
      note: e.type === 'confirmation.confirmed' ? null : e.reason,
    };
  }

  /** The booth's policy with the attempts counted by the flow (see the class comment). */
  private policy(): ChecksPolicy {
    const p = this.o.policy;
    return {
      face: { ...p.face, maxAttempts: 1 },
      confirmation: { ...p.confirmation, maxReplays: ENGINE_MAX_REPLAYS, windowSec: Math.min(300, Math.max(3, this.o.windowSec)) },
    };
  }

  /** The next check event `pick` accepts; also keeps the engine names, distance and transcript it passes. */
  private next<T>(signal: AbortSignal, pick: (e: CheckEvent) => T | null): { promise: Promise<T>; cancel: () => void } {
    let cancel = () => undefined as void;
    const promise = new Promise<T>((resolve, reject) => {
      const onEvent = (e: CheckEvent) => {
        if (e.type === 'checks.started') this.engines = { face: e.engines.face, speech: e.engines.speech ?? 'speech' };
        if (e.type === 'face.attempt') this.lastDistance = e.medianDistance;
        if (e.type === 'speech.utterance' && e.transcript) this.lastTranscript = e.transcript.slice(0, 2000);
        const hit = pick(e);
        if (hit !== null) {
          cancel();
          resolve(hit);
        }
      };
      const onAbort = () => {
        cancel();
        reject(signal.reason as Error);
      };
      cancel = () => {
        this.checks.off('event', onEvent);
        signal.removeEventListener('abort', onAbort);
      };
      this.checks.on('event', onEvent);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    return { promise, cancel };
  }
}

/** The engines to attach to the kiosk flow: face always, speech only when a keyword model is configured. */
export function checksEngines(checks: ChecksPort, o: ChecksAdapterOptions & { speech: boolean }): CheckEngines {
  const adapter = new ChecksEngineAdapter(checks, o);
  return o.speech ? { face: adapter, speech: adapter } : { face: adapter };
}
