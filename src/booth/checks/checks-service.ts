import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import { ConflictError, DependencyError } from '../../core/errors.js';
import { ChecksPolicy, CheckEvent, type CheckDecision, type ChecksResponses, type ChecksView } from '../../protocol/checks.js';
import type { BoothRequest } from '../../protocol/booth-api.js';
import type { Logger } from '../../platform/log.js';
import type { FaceEngine } from '../../engines/face/face-engine.js';
import { FaceApiRuntime } from '../../engines/face/face-runtime.js';
import { WorkerFaceEngine } from '../../engines/face/worker-face-engine.js';
import { SherpaSpeechEngine } from '../../engines/speech/sherpa-speech-engine.js';
import type { SpeechEngine } from '../../engines/speech/speech-engine.js';
import type { BoothDb } from '../db/schema.js';
import type { ChecksConfig } from './checks-config.js';
import { SessionChecks, sessionKeywords } from './session-checks.js';
import { TimelineStore } from './timeline-store.js';

type ChecksRequest = Extract<BoothRequest, { type: keyof ChecksResponses }>;

/** What the checks need of the session service. */
export interface CheckedSessions {
  readonly activeSessionId: string | null;
  view(): Promise<{ sessionId: string; startedAt: string; phase: string } | null>;
  on(event: 'face' | 'pcm', cb: (b: Buffer) => void): unknown;
  on(event: 'ended', cb: (sessionId: string) => void): unknown;
  /** The recorder restarted within the session (its PCM has a hole). */
  on(event: 'restarted', cb: () => void): unknown;
}

export interface ChecksServiceEvents {
  /** A decision was recorded (stored, then emitted), with the view after it. */
  event: [CheckEvent, ChecksView];
}

const IDLE_VIEW = (threshold: number): ChecksView => ({
  active: false,
  face: { status: 'idle', attempt: 0, lastDistance: null, threshold },
  presence: { state: null, sinceSec: null },
  confirmation: { status: 'waiting_disclosure', attempt: 0, replays: 0, windowEndsAtSec: null },
  passed: false,
});

/**
 * The booth's face and speech checks: engines loaded once (face-api in a worker thread, the
 * speech model per session with its keywords), one SessionChecks per recording, every decision
 * stored in the session timeline (session_events) before it is emitted to the kiosk.
 */
export class ChecksService extends EventEmitter<ChecksServiceEvents> {
  private face: Promise<FaceEngine> | null = null;
  private speech: SpeechEngine | null = null;
  private current: { sessionId: string; checks: SessionChecks; writes: Promise<void> } | null = null;
  private lastSessionId: string | null = null;
  private readonly timeline: TimelineStore;

  constructor(
    private readonly cfg: ChecksConfig,
    db: Kysely<BoothDb>,
    private readonly sessions: CheckedSessions,
    private readonly frameSize: { width: number; height: number },
    private readonly log: Logger,
  ) {
    super();
    this.timeline = new TimelineStore(db);
    // Tap handlers run inside the recorder's pipe events: a failing check must never reach them.
    sessions.on('face', (f: Buffer) => this.safely('face', (c) => c.onFace(f)));
    sessions.on('pcm', (p: Buffer) => this.safely('speech', (c) => c.onPcm(p)));
    sessions.on('restarted', () => this.safely('speech', (c) => c.onRecorderRestart()));
    sessions.on('ended', (id: string) => {
      this.stopSession(id).catch((err: unknown) => this.log.error({ err, sessionId: id }, 'stopping the checks failed'));
    });
  }

  /** Loads the face models in the background so the first session does not wait (~1-2 s). */
  warmUp(): void {
    if (!this.cfg.enabled) return;
    this.faceEngine().catch((err: unknown) => this.log.error({ err }, 'face engine failed to load'));
  }

  private faceEngine(): Promise<FaceEngine> {
    if (!this.face) {
      const opts = this.cfg.face.modelDir ? { modelDir: this.cfg.face.modelDir } : {};
      this.face = this.cfg.face.worker ? WorkerFaceEngine.create(opts) : FaceApiRuntime.create(opts);
      this.face.catch(() => {
        this.face = null;
      });
    }
    return this.face;
  }

  private speechEngine(): SpeechEngine | string {
    const s = this.cfg.speech;
    if (!s.kwsModelDir) return 'no keyword-spotting model is configured (checks.speech.kwsModelDir; npm run models:fetch downloads one): confirmations must be judged by staff';
    try {
      this.speech ??= SherpaSpeechEngine.create({
        kwsModelDir: s.kwsModelDir,
        asrModelDir: s.asrModelDir,
        ...(s.vadModel ? { vadModel: s.vadModel } : {}),
        keywordsThreshold: s.keywordsThreshold,
        keywordsScore: s.keywordsScore,
      });
      return this.speech;
    } catch (err) {
      return `the speech engine cannot start: ${(err as Error).message}`;
    }
  }

  async handle(req: ChecksRequest): Promise<ChecksResponses[ChecksRequest['type']]> {
    switch (req.type) {
      case 'startChecks':
        return this.start(req);
      case 'verifyFace':
        this.active().checks.verifyFace();
        return this.view();
      case 'disclosureEnded':
        this.active().checks.disclosureEnded();
        return this.view();
      case 'getChecks': {
        const id = this.current?.sessionId ?? this.lastSessionId;
        await this.current?.writes;
        return { view: this.view(), events: id ? await this.timeline.list(id) : [] };
      }
      default: {
        const unreachable: never = req;
        throw new ConflictError('request.unknown', `unknown checks request ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private active(): NonNullable<ChecksService['current']> {
    if (!this.current) throw new ConflictError('checks.not_started', 'no checks are running; call startChecks after the recording has started');
    return this.current;
  }

  view(): ChecksView {
    return this.current?.checks.view() ?? IDLE_VIEW(this.cfg.policy.face.threshold);
  }

  private async start(req: Extract<ChecksRequest, { type: 'startChecks' }>): Promise<ChecksView> {
    if (!this.cfg.enabled) throw new ConflictError('checks.disabled', 'face and speech checks are turned off in this booth (checks.enabled)');
    const sessionId = this.sessions.activeSessionId;
    const s = await this.sessions.view();
    if (!sessionId || !s || s.sessionId !== sessionId) throw new ConflictError('checks.no_session', 'checks run during a recording: start the session first');
    if (this.current?.sessionId === sessionId) throw new ConflictError('checks.already_started', `checks already run for session ${sessionId}`);
    let face: FaceEngine;
    try {
      face = await this.faceEngine();
    } catch (err) {
      throw new DependencyError('checks.face_unavailable', `the face engine cannot start: ${(err as Error).message}`);
    }
    const policy = req.policy ?? ChecksPolicy.parse(this.cfg.policy);
    const engine = this.speechEngine();
    const speech = typeof engine === 'string' ? { unavailable: engine } : { stream: engine.createStream(sessionKeywords(req.phrases, policy.confirmation.refusals)), name: engine.name };
    if (this.sessions.activeSessionId !== sessionId) throw new ConflictError('checks.no_session', 'the session ended while the checks were starting');
    const entry = { sessionId, checks: null as unknown as SessionChecks, writes: Promise.resolve() };
    entry.checks = new SessionChecks({
      face,
      speech,
      policy,
      phrases: req.phrases,
      enrolled: req.enrolledDescriptors,
      startedAtMs: Date.parse(s.startedAt),
      frameSize: this.frameSize,
      record: (d) => this.record(entry, d),
    });
    this.current = entry;
    entry.checks.start();
    this.log.info({ sessionId, face: face.name, speech: 'stream' in speech ? speech.name : speech.unavailable }, 'checks started');
    return entry.checks.view();
  }

  private tapErrors = 0;

  /** Runs a tap handler of the current checks; an error is logged and recorded (the first, then every 100th). */
  private safely(engine: 'face' | 'speech', fn: (c: SessionChecks) => void): void {
    const entry = this.current;
    if (!entry) return;
    try {
      fn(entry.checks);
    } catch (err) {
      if (this.tapErrors++ % 100 !== 0) return;
      this.log.error({ err, sessionId: entry.sessionId, engine }, 'a check failed on a tap frame');
      this.record(entry, { type: 'checks.error', atSec: entry.checks.sec(), engine, message: (err as Error).message });
    }
  }

  /** Stamps a decision, stores it in order, then emits it. Never throws: a decision that does not validate is logged. */
  private record(entry: NonNullable<ChecksService['current']>, d: CheckDecision): void {
    const parsed = CheckEvent.safeParse({ ...d, at: new Date().toISOString() });
    if (!parsed.success) {
      this.log.error({ sessionId: entry.sessionId, decision: d, issues: parsed.error.issues }, 'a check decision does not validate; not recorded');
      return;
    }
    const event = parsed.data;
    const view = entry.checks.view();
    entry.writes = entry.writes
      .then(() => this.timeline.append(entry.sessionId, 'checks', event))
      .then(
        () => {
          this.emit('event', event, view);
        },
        (err: unknown) => this.log.error({ err, sessionId: entry.sessionId, type: event.type }, 'cannot store a check event'),
      );
  }

  private async stopSession(sessionId: string): Promise<void> {
    const entry = this.current;
    if (!entry || entry.sessionId !== sessionId) return;
    await entry.checks.stop();
    await entry.writes;
    const f = entry.checks.faceStats;
    this.log.info({ sessionId, ...f }, 'checks stopped');
    this.lastSessionId = sessionId;
    if (this.current === entry) this.current = null;
  }

  /** Stops the running checks and the engines. Safe to call twice. */
  async close(): Promise<void> {
    if (this.current) await this.stopSession(this.current.sessionId);
    const face = this.face;
    this.face = null;
    if (face) await face.then((f) => f.close(), () => undefined);
    await this.speech?.close();
    this.speech = null;
  }
}
