import { mkdir, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { sha256Hex } from '../../../core/chain.js';
import { openSegment } from '../../../core/envelope.js';
import { DualrecError, IntegrityError } from '../../../core/errors.js';
import { screenshotTimes } from '../../../core/review/screenshot-schedule.js';
import type { FfmpegInfo } from '../../../platform/ffmpeg.js';
import type { Logger } from '../../../platform/log.js';
import { probeMedia } from '../../../platform/probe.js';
import { KeyWrap } from '../../../protocol/envelope.js';
import type { ScreenshotFlag } from '../../../protocol/review.js';
import type { ServerDb } from '../../db/schema.js';
import type { KeyProvider } from '../../keys/key-provider.js';
import type { BlobStore } from '../../storage/blob-store.js';
import { cameraRegion } from '../machine/camera-region.js';
import type { ReviewEngines } from '../machine/machine-reviewer.js';
import type { ReviewConfig } from '../machine/review-config.js';
import { workFolder } from '../work-folders.js';
import { grabFrame } from './frame-grab.js';
import { pendingSessions, recordSessionError, SessionBackoff } from './sampler-state.js';

/** Where a screenshot is stored: under the session's archive prefix, named by its millisecond. */
export function screenshotKey(sessionId: string, atSec: number): string {
  return `archive/${sessionId}/screenshots/${String(Math.round(atSec * 1000)).padStart(9, '0')}.jpg`;
}

/** How far back a sample time past a segment's last frame looks for that frame (a frame interval at >= 4 fps). */
const LAST_FRAME_SLACK_SEC = 0.25;
/** Arrivals are counted over this window (see `screenshots.yieldMs`). */
const ARRIVAL_WINDOW_MS = 1000;


export interface SamplerDeps {
  db: Kysely<ServerDb>;
  store: BlobStore;
  keys: KeyProvider;
  ff: FfmpegInfo;
  engines: Pick<ReviewEngines, 'face'>;
  config: ReviewConfig;
  workDir: string;
}

/**
 * Samples screenshots from each session's segments soon after they arrive (core/review/
 * screenshot-schedule.ts: every 5 s in the first minute, then every 20 s), outside the upload path:
 * a sweep runs every `sweepMs` and after `kick()` (called when a segment is acknowledged). Each
 * session's cursor (screenshot_cursors.next_seq) moves past a segment only once its screenshots are
 * stored, so a restart resumes there; a segment that cannot be decrypted or decoded is passed over
 * (counted in `skipped`, the error kept); any other failure of a session (its key, the store, an
 * engine) is kept on its cursor and retried later, backed off, without holding up the other sessions.
 */
export class ScreenshotSampler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;
  /** Aborted by close(): kills the FFmpeg runs of the segment being sampled. */
  private readonly abort = new AbortController();
  private readonly backoff: SessionBackoff;
  /** When the segments of the last ARRIVAL_WINDOW_MS were stored (noteArrival), oldest first. */
  private readonly arrivals: number[] = [];
  private pauses = 0;

  constructor(
    private readonly deps: SamplerDeps,
    private readonly log: Logger,
  ) {
    this.backoff = new SessionBackoff(deps.config.screenshots.sweepMs);
  }

  start(): void {
    this.schedule(0);
  }

  /** A segment was stored: sample soon (coalesced with a sweep in progress). */
  kick(): void {
    this.noteArrival();
    if (this.closed) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /** A segment was stored (kick() calls this): while they keep arriving, sampling pauses between segments. */
  noteArrival(): void {
    this.arrivals.push(Date.now());
    this.recentArrivals();
  }

  /** Drops arrivals older than the window; returns how many are left. */
  private recentArrivals(): number {
    const since = Date.now() - ARRIVAL_WINDOW_MS;
    while (this.arrivals.length > 0 && this.arrivals[0]! < since) this.arrivals.shift();
    return this.arrivals.length;
  }

  /** How many times sampling paused for the ingest so far. */
  get pausesForIngest(): number {
    return this.pauses;
  }

  /**
   * While segments arrive faster than `screenshots.yieldAboveArrivalsPerSec` (a booth's backlog
   * draining: tens a second), waits `screenshots.yieldMs` before grabbing from the next segment,
   * so sampling (FFmpeg, the face detector) does not take the CPU the ingest of evidence needs;
   * screenshots catch up after. Booths recording live (one segment every few seconds each) are
   * below it. close() ends the wait.
   */
  private async yieldToIngest(): Promise<void> {
    const { yieldMs: ms, yieldAboveArrivalsPerSec: rate } = this.deps.config.screenshots;
    if (ms <= 0 || this.recentArrivals() < rate) return;
    this.pauses++;
    await sleep(ms, undefined, { signal: this.abort.signal }).catch(() => undefined);
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.sweep()
        .then(() => undefined)
        .catch((err: unknown) => this.log.error({ err }, 'screenshot sweep failed; retrying at the next one'))
        .finally(() => {
          this.running = null;
          const again = this.again;
          this.again = false;
          this.schedule(again ? 0 : this.deps.config.screenshots.sweepMs);
        });
    }, ms);
    this.timer.unref();
  }

  /**
   * Samples every segment not sampled yet, the sessions with the oldest waiting segment first;
   * returns how many screenshots were stored and segments passed over. A session that fails
   * (its key, the store) is logged, its error kept on its cursor, and it is backed off
   * (SessionBackoff) while the sweep goes on with the others.
   */
  async sweep(): Promise<{ stored: number; skipped: number }> {
    const total = { stored: 0, skipped: 0 };
    for (const sessionId of await pendingSessions(this.deps.db, this.backoff.waiting())) {
      if (this.closed) break;
      try {
        const r = await this.sampleSession(sessionId);
        this.backoff.succeeded(sessionId);
        total.stored += r.stored;
        total.skipped += r.skipped;
      } catch (err) {
        if (this.closed) break;
        const { failures, delayMs } = this.backoff.failed(sessionId);
        this.log.error({ sessionId, failures, retryInMs: delayMs, err }, 'screenshots of a session failed; the others go on, it is retried later');
        const lastError = `session (failure ${failures}, retried in ${Math.round(delayMs / 1000)} s): ${err instanceof Error ? err.message : String(err)}`.slice(0, 1000);
        await recordSessionError(this.deps.db, sessionId, lastError).catch((e: unknown) => this.log.error({ sessionId, err: e }, 'cannot record the failure on the screenshot cursor'));
      }
    }
    return total;
  }

  private async sampleSession(sessionId: string): Promise<{ stored: number; skipped: number }> {
    const { db } = this.deps;
    const out = { stored: 0, skipped: 0 };
    const cursor = await db.selectFrom('screenshot_cursors').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
    let next = cursor?.next_seq ?? 0;
    let skipped = cursor?.skipped ?? 0;
    let lastError = cursor?.last_error ?? null;
    const session = await db.selectFrom('sessions').select(['started_at', 'key_wrap_json']).where('session_id', '=', sessionId).executeTakeFirstOrThrow();
    const segments = await db
      .selectFrom('segments')
      .select(['seq', 'storage_key'])
      .where('session_id', '=', sessionId)
      .where('seq', '>=', next)
      .orderBy('seq')
      .limit(this.deps.config.screenshots.segmentsPerSweep)
      .execute();
    if (segments[0]?.seq !== next) return out;
    // Unwrapped once for the segments of this sweep (an RSA private-key operation, or a KMS call),
    // zeroed when they are done.
    const dataKey = await this.deps.keys.unwrap(KeyWrap.parse(JSON.parse(session.key_wrap_json)));
    try {
      for (const seg of segments) {
        if (this.closed || seg.seq !== next) break;
        try {
          out.stored += await this.sampleSegment(sessionId, session, dataKey, seg.storage_key);
        } catch (err) {
          if (!isBadSegment(err)) throw err;
          skipped++;
          out.skipped++;
          lastError = `segment ${seg.seq}: ${(err as Error).message}`.slice(0, 1000);
          this.log.warn({ sessionId, seq: seg.seq, err: (err as Error).message }, 'segment cannot be sampled; passed over');
        }
        next = seg.seq + 1;
        const values = { next_seq: next, skipped, last_error: lastError, updated_at: new Date().toISOString() };
        await db.insertInto('screenshot_cursors').values({ session_id: sessionId, ...values }).onConflict((oc) => oc.column('session_id').doUpdateSet(values)).execute();
      }
    } finally {
      dataKey.fill(0);
    }
    return out;
  }

  /** Stores the screenshots whose times fall in one segment; returns how many were new. */
  private async sampleSegment(sessionId: string, session: { started_at: string }, dataKey: Buffer, key: string): Promise<number> {
    const { db, store, ff, config } = this.deps;
    const bytes = await store.get(key);
    const { header, plaintext } = openSegment(dataKey, bytes);
    const times = screenshotTimes(header.startSec, header.startSec + header.durationSec);
    if (times.length === 0) return 0;
    const stored = await db.selectFrom('screenshots').select(['at_sec', 'storage_key']).where('session_id', '=', sessionId).where('at_sec', 'in', times).execute();
    // Rows of this segment from a run stopped before its cursor moved: their files may not be protected yet.
    for (const r of stored) await this.protectLikeTheSession(sessionId, r.storage_key);
    const have = new Set(stored.map((r) => Number(r.at_sec)));
    const todo = times.filter((t) => !have.has(t));
    if (todo.length === 0) return 0;
    // Only a segment that needs grabs waits (after the first minute 4 in 5 need none).
    await this.yieldToIngest();
    if (this.closed) throw new DualrecError('ffmpeg.aborted', 'the screenshot sampler is closing');
    const work = workFolder(this.deps.workDir, `shots-${sessionId}-${header.seq}`);
    await mkdir(work, { recursive: true, mode: 0o700 });
    try {
      const file = join(work, 'segment.ts');
      await writeFile(file, plaintext);
      const signal = this.abort.signal;
      const probe = await probeMedia(ff, file, { signal }).catch((err: unknown) => {
        throw err instanceof DualrecError && (err.code === 'ffprobe.missing' || err.code === 'ffmpeg.aborted') ? err : new BadSegment(`ffprobe cannot read it: ${(err as Error).message}`);
      });
      const video = probe.streams.find((s) => s.codec_type === 'video');
      if (!video?.width || !video.height) throw new BadSegment('it has no video stream');
      const source = { width: video.width, height: video.height };
      const region = cameraRegion(source.width, source.height, config.camera);
      const engine = await this.deps.engines.face();
      let added = 0;
      for (const t of todo) {
        // Closing: stop here; the cursor stays on this segment, so the next start samples the rest.
        if (this.closed) throw new DualrecError('ffmpeg.aborted', 'the screenshot sampler is closing');
        const grab = (offsetSec: number) =>
          grabFrame(ff, { segment: file, workDir: work, offsetSec, source, width: config.screenshots.width, region, name: String(t), signal }).catch((err: unknown) => {
            throw err instanceof DualrecError && err.code === 'ffmpeg.failed' ? new BadSegment(err.message) : err;
          });
        // A time after the segment's last frame (within its last frame interval) takes that last frame.
        const offset = Math.max(0, t - header.startSec);
        const frame = (await grab(offset)) ?? (offset > 0 ? await grab(Math.max(0, offset - LAST_FRAME_SLACK_SEC)) : null);
        if (!frame) continue;
        const faces = (await engine.detect(frame.camera)).faces.length;
        const flags: ScreenshotFlag[] = faces === 0 ? ['no_face'] : faces > 1 ? ['multiple_faces'] : [];
        const storageKey = screenshotKey(sessionId, t);
        await store.put(storageKey, frame.jpeg);
        const row = { session_id: sessionId, at_sec: t, at: new Date(Date.parse(session.started_at) + t * 1000).toISOString(), storage_key: storageKey, sha256: sha256Hex(frame.jpeg), bytes: frame.jpeg.length, width: frame.width, height: frame.height, faces, distance: null, flags_json: JSON.stringify(flags), created_at: new Date().toISOString() };
        const r = await db.insertInto('screenshots').values(row).onConflict((oc) => oc.columns(['session_id', 'at_sec']).doNothing()).executeTakeFirst();
        added += Number(r.numInsertedOrUpdatedRows ?? 0);
        // After the row: a retention recorded from now on protects the file itself (its file list has the row).
        await this.protectLikeTheSession(sessionId, storageKey);
      }
      return added;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /**
   * A screenshot stored after the session's retention was recorded gets the same date and hold.
   * Called after its row is inserted (so a retention recorded later sees it) and idempotent.
   */
  private async protectLikeTheSession(sessionId: string, key: string): Promise<void> {
    const r = await this.deps.db.selectFrom('evidence_retention').select(['retain_until', 'store_hold', 'deletion_started_at']).where('session_id', '=', sessionId).executeTakeFirst();
    if (!r || r.deletion_started_at) return;
    await this.deps.store.protect(key, r.retain_until);
    if (Number(r.store_hold) === 1) await this.deps.store.setLegalHold(key, true);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}

/** A segment that cannot be sampled whatever we retry (decryption, decoding). */
class BadSegment extends DualrecError {
  constructor(message: string) {
    super('screenshot.bad_segment', message);
  }
}

function isBadSegment(err: unknown): boolean {
  return err instanceof BadSegment || err instanceof IntegrityError;
}
