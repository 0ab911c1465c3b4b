import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { genesisLink } from '../core/chain.js';
import { newDataKey } from '../core/envelope.js';
import { ConflictError, DualrecError } from '../core/errors.js';
import { signManifest, wrapDataKey } from '../core/keys.js';
import { nextPhase, type SessionEvent } from '../core/session-machine.js';
import type { BoothSessionView, SessionPhase } from '../protocol/booth-api.js';
import { KeyWrap, SessionManifest, type ManifestGap, type ManifestSegment } from '../protocol/envelope.js';
import type { Timeline } from '../protocol/kiosk-flow.js';
import type { FfmpegInfo } from '../platform/ffmpeg.js';
import type { Logger } from '../platform/log.js';
import type { LiveOutput } from './capture/args.js';
import { captureInputPlan } from './capture/plan.js';
import type { RecordingLock } from './capture/recording-lock.js';
import { CaptureSupervisor, type Restart } from './capture/supervisor.js';
import type { FaultReporter } from './faults/fault-reporter.js';
import type { CaptureConfig } from './config.js';
import type { BoothDb } from './db/schema.js';
import type { BoothIdentity, DeviceKey } from './identity.js';
import type { SessionGuard } from './vault/disk-guard.js';
import { CAPTURING_PHASES, insertNewSession } from './session-rows.js';
import { SessionSealer } from './vault/sealer.js';

interface ActiveSession {
  sessionId: string;
  phase: SessionPhase;
  capture: CaptureSupervisor;
  sealer: SessionSealer;
  /** Restarts of the recorder, by the run they started. */
  restarts: Map<number, Restart>;
  /** Which recorder run wrote each sealed segment. */
  runOfSeq: Map<number, number>;
  /** Resolves when the session has been ended (manifest signed and stored). */
  ended: Promise<void> | null;
  /** The recorder's latest progress, for the live status. */
  recording: NonNullable<BoothSessionView['recording']> | null;
}

export interface SessionServiceEvents {
  change: [];
  /** A segment was committed to the vault: there is work for the sync loop. */
  sealed: [];
  /** Camera gray frame for face checks. */
  face: [Buffer];
  /** 16 kHz mono PCM for speech checks. */
  pcm: [Buffer];
  /** The recorder restarted within the active session (its taps have a hole). */
  restarted: [];
  /** Camera preview JPEG for the kiosk. */
  preview: [Buffer];
  /** The session's recording has ended and its manifest is signed (any end reason). */
  ended: [string];
}

/**
 * Runs booth sessions: starts FFmpeg, seals each closed segment, and on stop (or an unexpected
 * FFmpeg exit) signs the manifest and hands the session to sync. One session at a time.
 */
export class SessionService extends EventEmitter<SessionServiceEvents> {
  private active: ActiveSession | null = null;
  /** Set synchronously while a start is under way, so two starts cannot both pass the checks. */
  private starting = false;
  /** Live RTP outputs into the SFU for the next runs (remote assistance); null: none. */
  live: (() => LiveOutput | null) | null = null;
  private timelineSource: ((sessionId: string) => Promise<Timeline>) | null = null;

  constructor(
    private readonly db: Kysely<BoothDb>,
    private readonly dirs: { vault: string; spool: string },
    private readonly ff: FfmpegInfo,
    private capture: CaptureConfig,
    private readonly identity: () => BoothIdentity | null,
    /** Signs manifests; null when the key is missing or damaged (the `key.missing` fault): no session starts. */
    private readonly deviceKey: DeviceKey | null,
    private readonly faults: FaultReporter,
    private readonly lock: RecordingLock,
    private readonly log: Logger,
    /** The vault's disk guard: refuses new sessions and stops the current one when the disk is full. */
    private readonly guard: SessionGuard | null = null,
  ) {
    super();
    guard?.on('emergencyStop', (reason) => {
      const active = this.active;
      if (active) this.endActive(active, 'emergency-stop', reason).catch((err: unknown) => this.log.error({ err, sessionId: active.sessionId }, 'emergency stop failed'));
    });
  }

  /**
   * Ends sessions that a crash left open: their data key died with the process, so the segments
   * committed before the crash are signed off as an emergency stop and synced; nothing committed is lost.
   */
  async recoverInterrupted(): Promise<number> {
    if (!this.deviceKey) {
      // They stay open, segments and all, until the key is back (the next start signs them off);
      // ended_at marks them as not recording (status report, idle monitor, kiosk view).
      const now = new Date().toISOString();
      const r = await this.db
        .updateTable('sessions')
        .set({ ended_at: now, end_reason: 'emergency-stop', error: 'the booth stopped unexpectedly during this session; it is signed off once the device key is restored' })
        .where('phase', 'in', CAPTURING_PHASES)
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      this.log.warn({ sessions: Number(r.numUpdatedRows) }, 'the device key is missing: sessions a crash left open are signed off once it is restored');
      return 0;
    }
    const open = await this.db.selectFrom('sessions').select(['session_id', 'phase']).where('phase', 'in', CAPTURING_PHASES).execute();
    for (const s of open) {
      this.log.warn({ sessionId: s.session_id, phase: s.phase }, 'ending a session interrupted by a crash');
      await this.signOff(s.session_id, 'emergency-stop', 'the booth stopped unexpectedly during this session');
    }
    return open.length;
  }

  async start(productId: string): Promise<{ sessionId: string }> {
    const id = this.identity();
    if (!id) throw new ConflictError('booth.not_enrolled', 'this booth is not enrolled with a server yet, so recordings cannot be sealed for the archive');
    if (!this.deviceKey) throw new ConflictError('booth.key_missing', "this booth's signing key is missing or damaged, so a recording could not be signed for the archive (see the key.missing fault)");
    await this.guard?.assertCanStart();
    if (this.active) throw new ConflictError('session.already_active', `session ${this.active.sessionId} is still ${this.active.phase}; stop it first`);
    if (this.starting) throw new ConflictError('session.already_active', 'a session is already starting');
    this.starting = true;
    try {
      return await this.startLocked(id, productId);
    } finally {
      this.starting = false;
    }
  }

  private async startLocked(id: BoothIdentity, productId: string): Promise<{ sessionId: string }> {
    // Validate the device selection before anything is stored.
    captureInputPlan(this.capture, true);
    const sessionId = randomUUID();
    await this.lock.acquire(sessionId);
    const dataKey = newDataKey();
    const keyWrap = KeyWrap.parse(wrapDataKey(dataKey, id.archivePublicKeyDer));
    const genesis = genesisLink(sessionId);
    const now = new Date().toISOString();
    await insertNewSession(this.db, { sessionId, productId, phase: 'starting', keyWrap, startedAt: now });
    const log = this.log.child({ sessionId });
    const sealer = new SessionSealer(this.db, this.dirs.vault, this.ff, sessionId, id.boothId, dataKey, genesis, log);
    let capture: CaptureSupervisor;
    try {
      capture = await CaptureSupervisor.start({
        ff: this.ff,
        cfg: this.capture,
        plan: (withScreen) => captureInputPlan(this.capture, withScreen),
        spoolDir: join(this.dirs.spool, sessionId),
        sessionId,
        faults: this.faults,
        lock: this.lock,
        log,
        live: () => this.live?.() ?? null,
      });
    } catch (err) {
      sealer.destroy();
      await this.lock.release();
      await this.setPhase(sessionId, 'starting', { type: 'failed', reason: String(err) });
      await this.db.updateTable('sessions').set({ error: (err as Error).message, ended_at: new Date().toISOString(), end_reason: 'aborted' }).where('session_id', '=', sessionId).execute();
      this.emit('change');
      throw err;
    }
    const active: ActiveSession = { sessionId, phase: 'starting', capture, sealer, ended: null, restarts: new Map(), runOfSeq: new Map(), recording: null };
    this.active = active;
    active.phase = await this.setPhase(sessionId, 'starting', { type: 'captureStarted' });
    this.emit('change');
    capture.on('segment', (seg) => {
      sealer.seal(seg).then(
        (info) => {
          active.runOfSeq.set(info.seq, seg.run);
          this.emit('sealed');
          this.emit('change');
        },
        (err: unknown) => {
          // A segment that cannot be sealed is a hole in the evidence: end the session visibly.
          log.error({ err, file: seg.path }, 'sealing a segment failed');
          this.faults.raise({ kind: 'disk.write_error', severity: 'critical', message: `a recorded segment could not be sealed: ${(err as Error).message}`, sessionId });
          this.endActiveLogged(active, 'emergency-stop', `a segment could not be sealed: ${(err as Error).message}`);
        },
      );
    });
    capture.on('restart', (r) => {
      active.restarts.set(r.run, r);
      this.emit('restarted');
      this.emit('change');
    });
    capture.on('progress', (p) => {
      active.recording = { elapsedSec: Math.round(p.elapsedSec * 10) / 10, bytesWritten: p.bytesWritten, speed: p.speed, droppedFrames: p.dropFrames, restarts: capture.restartCount };
      // The periodic recording status staff see (and the kiosk's clock follows): every progress report.
      this.emit('change');
    });
    capture.on('face', (f) => this.emit('face', f));
    capture.on('pcm', (p) => this.emit('pcm', p));
    capture.on('preview', (j) => this.emit('preview', j));
    capture.on('failed', (reason) => this.endActiveLogged(active, 'emergency-stop', reason));
    return { sessionId };
  }

  /** Ends the recording; `aborted` (staff abort, failed checks) keeps the reason as the session's error. */
  async stop(reason: 'completed' | 'aborted' = 'completed', why: string | null = null): Promise<{ sessionId: string }> {
    const active = this.active;
    if (!active) throw new ConflictError('session.not_active', 'no session is recording');
    await this.endActive(active, reason, why);
    return { sessionId: active.sessionId };
  }

  /** A session is recording or starting. */
  get busy(): boolean {
    return this.active !== null || this.starting;
  }

  /** New capture settings (remote config) for the next session; refused while one runs, which keeps its own. */
  setCapture(capture: CaptureConfig): void {
    if (this.busy) throw new ConflictError('session.already_active', 'capture settings cannot change while a session is recording');
    this.capture = capture;
  }

  /** Where the manifest's `timeline` comes from (the kiosk flow); unset: manifests carry none. */
  setTimelineSource(source: (sessionId: string) => Promise<Timeline>): void {
    this.timelineSource = source;
  }

  /** Stops a recording in progress (booth shutting down); keeps everything sealed so far. */
  async close(): Promise<void> {
    if (this.active) await this.endActive(this.active, 'emergency-stop', 'the booth was shut down during this session');
  }

  /** The id of the session recording now, or null. */
  get activeSessionId(): string | null {
    return this.active?.sessionId ?? null;
  }

  /** The session in progress, else the most recent one. */
  async view(): Promise<BoothSessionView | null> {
    const row = this.active
      ? await this.db.selectFrom('sessions').selectAll().where('session_id', '=', this.active.sessionId).executeTakeFirst()
      : await this.db.selectFrom('sessions').selectAll().orderBy('created_at', 'desc').limit(1).executeTakeFirst();
    if (!row) return null;
    const counts = await this.db
      .selectFrom('segments')
      .select((eb) => [eb.fn.countAll<number>().as('sealed'), eb.fn.sum<number>(eb.case().when('state', 'in', ['acknowledged', 'purged']).then(1).else(0).end()).as('acked')])
      .where('session_id', '=', row.session_id)
      .executeTakeFirstOrThrow();
    // A session in a recording phase that this process is not recording is one a crash left open,
    // being ended (at start-up, or until the device key is restored): not recording.
    const orphaned = !this.starting && this.active?.sessionId !== row.session_id && ['starting', 'recording'].includes(row.phase);
    return {
      sessionId: row.session_id,
      productId: row.product_id,
      phase: orphaned ? 'stopping' : (row.phase as SessionPhase),
      startedAt: row.started_at,
      endedAt: row.ended_at,
      mediaSec: row.media_sec,
      segmentsSealed: Number(counts.sealed),
      segmentsAcknowledged: Number(counts.acked ?? 0),
      error: row.error,
      recording: this.active?.sessionId === row.session_id ? this.active.recording : null,
    };
  }

  private endActive(active: ActiveSession, reason: SessionManifest['endReason'], error: string | null): Promise<void> {
    active.ended ??= (async () => {
      active.phase = await this.setPhase(active.sessionId, active.phase, { type: 'stopRequested' }).catch(() => active.phase);
      this.emit('change');
      try {
        await active.capture.stop();
        await active.sealer.drain();
      } finally {
        active.sealer.destroy();
        await this.lock.release();
      }
      await this.signOff(active.sessionId, reason, error, active.restarts, active.runOfSeq);
      if (this.active === active) this.active = null;
      this.emit('change');
      this.emit('ended', active.sessionId);
    })();
    return active.ended;
  }

  /** endActive from an event handler: failures are logged and shown, never unhandled. */
  private endActiveLogged(active: ActiveSession, reason: SessionManifest['endReason'], error: string | null): void {
    if (this.active !== active) return;
    this.endActive(active, reason, error).catch((err: unknown) => {
      this.log.error({ err, sessionId: active.sessionId }, 'ending the session failed');
      this.db
        .updateTable('sessions')
        .set({ error: `ending the session failed: ${(err as Error).message}` })
        .where('session_id', '=', active.sessionId)
        .execute()
        .catch((e: unknown) => this.log.error({ err: e }, 'cannot record the failure'));
    });
  }

  /** Builds, signs and stores the manifest from the committed segments; phase becomes syncing. */
  private async signOff(
    sessionId: string,
    reason: SessionManifest['endReason'],
    error: string | null,
    restarts: ReadonlyMap<number, Restart> = new Map(),
    runOfSeq: ReadonlyMap<number, number> = new Map(),
  ): Promise<void> {
    const id = this.identity();
    if (!id) throw new DualrecError('booth.not_enrolled', 'cannot sign off a session before enrollment');
    if (!this.deviceKey) throw new DualrecError('booth.key_missing', `cannot sign off session ${sessionId}: the device key is missing`);
    const s = await this.db.selectFrom('sessions').selectAll().where('session_id', '=', sessionId).executeTakeFirstOrThrow();
    const rows = await this.db.selectFrom('segments').selectAll().where('session_id', '=', sessionId).orderBy('seq').execute();
    const segments: ManifestSegment[] = rows.map((r) => ({
      seq: r.seq,
      cipherSha256: r.cipher_sha256,
      plainSha256: r.plain_sha256,
      link: r.link,
      bytes: r.bytes,
      startSec: r.start_sec,
      durationSec: r.duration_sec,
    }));
    const timeline = (await this.timelineSource?.(sessionId)) ?? [];
    const endedAt = new Date().toISOString();
    const manifest = SessionManifest.parse({
      v: 1,
      sessionId,
      boothId: id.boothId,
      productId: s.product_id,
      startedAt: s.started_at,
      endedAt,
      endReason: reason,
      keyWrap: JSON.parse(s.key_wrap_json) as unknown,
      genesisLink: s.genesis_link,
      finalLink: rows.at(-1)?.link ?? s.genesis_link,
      mediaDurationSec: segments.length > 0 ? segments.at(-1)!.startSec + segments.at(-1)!.durationSec : 0,
      segments,
      gaps: findGaps(segments, restarts, runOfSeq),
      ...(timeline.length > 0 ? { timeline } : {}),
    });
    const signature = signManifest(manifest, this.deviceKey.privateKey);
    await this.db
      .updateTable('sessions')
      .set({ phase: 'syncing', ended_at: endedAt, end_reason: reason, manifest_json: JSON.stringify(manifest), signature, error })
      .where('session_id', '=', sessionId)
      .execute();
    this.emit('sealed');
  }

  private async setPhase(sessionId: string, from: SessionPhase, event: SessionEvent): Promise<SessionPhase> {
    const to = nextPhase(from, event);
    await this.db.updateTable('sessions').set({ phase: to }).where('session_id', '=', sessionId).execute();
    return to;
  }

}

/** Gaps shorter than this between consecutive segments are timestamp jitter, not lost media. */
const GAP_TOLERANCE_SEC = 0.25;

/**
 * The holes in a session's timeline: every recorder restart between two segments (even when the
 * hole is too short to see), and any other place where a segment starts later than the previous
 * one ended. The reason is the restart's when known.
 */
export function findGaps(segments: readonly ManifestSegment[], restarts: ReadonlyMap<number, Restart>, runOfSeq: ReadonlyMap<number, number>): ManifestGap[] {
  const gaps: ManifestGap[] = [];
  for (let i = 1; i < segments.length; i++) {
    const prev = segments[i - 1]!;
    const cur = segments[i]!;
    const end = prev.startSec + prev.durationSec;
    const hole = Math.max(0, cur.startSec - end);
    const run = runOfSeq.get(cur.seq);
    const restart = run !== undefined && run !== runOfSeq.get(prev.seq) ? restarts.get(run) : undefined;
    if (hole <= GAP_TOLERANCE_SEC && !restart) continue;
    gaps.push({ afterSeq: prev.seq, startSec: round3(end), durationSec: round3(hole), reason: restart?.reason ?? 'recording interrupted (booth restarted or capture stopped)' });
  }
  return gaps;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
