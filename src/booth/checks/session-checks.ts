import { ConfirmationFlow } from '../../core/checks/confirmation-flow.js';
import { phraseRules } from '../../core/checks/phrases.js';
import type { CheckDecision, ChecksPolicy, ChecksView } from '../../protocol/checks.js';
import type { ConfirmationPhrase } from '../../protocol/keywords.js';
import type { FaceEngine } from '../../engines/face/face-engine.js';
import { SPEECH_RATE, type SpeechStream } from '../../engines/speech/speech-engine.js';
import { FaceSampler } from './face-sampler.js';

export interface SessionChecksOptions {
  face: FaceEngine;
  /** A speech stream for this session's keywords, or why there is none. */
  speech: { stream: SpeechStream; name: string } | { unavailable: string };
  policy: ChecksPolicy;
  phrases: ConfirmationPhrase[];
  enrolled: readonly (readonly number[])[];
  /** Wall-clock time (ms) the session's timeline starts at. */
  startedAtMs: number;
  frameSize: { width: number; height: number };
  record: (d: CheckDecision) => void;
  now?: () => number;
}

/** Largest hole in the PCM (a recorder restart) filled with silence so speech times stay on the session's clock. */
const MAX_GAP_FILL_SEC = 30;
/** A hole shorter than this after a restart is not filled (the PCM's own arrival jitter). */
const MIN_GAP_FILL_SEC = 0.2;

export { sessionKeywords } from '../../engines/speech/keywords.js';

/**
 * One session's checks: face frames to the FaceSampler, PCM to the speech stream, decisions from
 * the pure rules in src/core/checks, each recorded (stamped, stored, sent to the kiosk) through
 * `record`. Session seconds come from the wall clock for frames and from the sample count for
 * speech: anchored when the first PCM arrives, and re-aligned with silence only across a recorder
 * restart (the one place PCM is lost). PCM that merely arrives late (a loaded PC, a slow encoder)
 * is never padded: silence pushed into the middle of a phrase would cut it in two.
 */
export class SessionChecks {
  private readonly sampler: FaceSampler;
  private readonly confirmation: ConfirmationFlow;
  private readonly stream: SpeechStream | null;
  private readonly now: () => number;
  private speechAnchorSec: number | null = null;
  private restarted = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly o: SessionChecksOptions) {
    this.now = o.now ?? Date.now;
    this.sampler = new FaceSampler(o.face, o.enrolled, o.policy.face, o.frameSize, o.record);
    this.confirmation = new ConfirmationFlow(o.policy.confirmation, phraseRules(o.phrases));
    this.stream = 'stream' in o.speech ? o.speech.stream : null;
  }

  /** Session seconds now. */
  sec(): number {
    return Math.max(0, Math.round((this.now() - this.o.startedAtMs) / 10) / 100);
  }

  start(): void {
    const o = this.o;
    o.record({ type: 'checks.started', atSec: this.sec(), policy: o.policy, phrases: o.phrases, enrolledFaces: o.enrolled.length, engines: { face: o.face.name, speech: 'stream' in o.speech ? o.speech.name : null } });
    if ('unavailable' in o.speech) o.record({ type: 'checks.error', atSec: this.sec(), engine: 'speech', message: o.speech.unavailable });
    this.apply(this.sampler.verification.begin(this.sec()));
    this.timer = setInterval(() => this.tick(), 250);
  }

  private tick(): void {
    const t = this.sec();
    this.apply(this.sampler.verification.tick(t));
    this.apply(this.confirmation.tick(t));
  }

  onFace(gray: Buffer): void {
    if (!this.stopped) this.sampler.onFrame(gray, this.sec());
  }

  onPcm(pcm: Buffer): void {
    if (this.stopped || !this.stream) return;
    const arrivedSec = this.sec();
    const chunkSec = pcm.length / 2 / SPEECH_RATE;
    if (this.speechAnchorSec === null) this.speechAnchorSec = Math.max(0, arrivedSec - chunkSec);
    if (this.restarted) {
      this.restarted = false;
      const hole = arrivedSec - chunkSec - (this.speechAnchorSec + this.stream.seconds);
      if (hole >= MIN_GAP_FILL_SEC) this.hear(this.stream.push(Buffer.alloc(Math.round(Math.min(hole, MAX_GAP_FILL_SEC) * SPEECH_RATE) * 2)));
    }
    this.hear(this.stream.push(pcm));
  }

  /** The recorder restarted: the PCM that comes next follows a hole, filled with silence then. */
  onRecorderRestart(): void {
    this.restarted = true;
  }

  private hear(utterances: ReturnType<SpeechStream['push']>): void {
    const base = this.speechAnchorSec ?? 0;
    const r = (n: number) => Math.round((base + n) * 1000) / 1000;
    for (const u of utterances) {
      const hits = u.hits.map((h) => ({ ...h, atSec: r(h.atSec) }));
      const heard = { startSec: r(u.startSec), endSec: r(u.endSec), hits };
      this.o.record({ type: 'speech.utterance', atSec: this.sec(), ...heard, transcript: u.transcript });
      this.apply(this.confirmation.onUtterance(heard, this.sec()));
    }
  }

  /** Staff or kiosk ask for a new round of face attempts. */
  verifyFace(): void {
    this.apply(this.sampler.verification.begin(this.sec()));
  }

  disclosureEnded(): void {
    this.apply(this.confirmation.disclosureEnded(this.sec()));
  }

  private apply(ds: CheckDecision[]): void {
    for (const d of ds) this.o.record(d);
  }

  view(): ChecksView {
    const v = this.sampler.verification;
    const c = this.confirmation;
    const p = this.sampler.presence;
    return {
      active: !this.stopped,
      face: { status: v.status, attempt: v.attempt, lastDistance: v.lastDistance, threshold: this.o.policy.face.threshold },
      presence: { state: p.state, sinceSec: p.sinceSec },
      confirmation: { status: this.stream ? c.status : 'unavailable', attempt: c.attempt, replays: c.replays, windowEndsAtSec: c.windowEndsAtSec },
      passed: v.status === 'matched' && c.status === 'confirmed',
    };
  }

  get faceStats() {
    return this.sampler.stats;
  }

  /** Ends the checks with the recording: the last utterance is heard, then `checks.stopped` with the outcome. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    if (this.timer) clearInterval(this.timer);
    if (this.stream) this.hear(this.stream.flush());
    this.stopped = true;
    await this.sampler.idle();
    const t = this.sec();
    this.o.record({ type: 'checks.stopped', atSec: t, passed: this.view().passed, presence: this.sampler.presence.totals(t) });
  }
}
