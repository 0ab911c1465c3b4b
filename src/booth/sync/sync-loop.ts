import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import { backoffDelay, type BackoffOptions } from '../../core/backoff.js';
import { KeyWrap, SessionManifest } from '../../protocol/envelope.js';
import { GroupCommitter } from '../../platform/group-commit.js';
import type { Logger } from '../../platform/log.js';
import type { BoothDb } from '../db/schema.js';
import type { FaultSink } from '../faults/fault-reporter.js';
import { SegmentStore } from '../vault/segment-store.js';
import { SegmentUploader } from './segment-uploader.js';
import { ServerRejectedError, type ServerClient } from './server-client.js';
import type { StatusReporter } from './status-reporter.js';
import { Throttle } from './throttle.js';

export interface SyncStatus {
  online: boolean;
  lastError: string | null;
}

export interface SyncLoopEvents {
  change: [];
}

export interface SyncOptions {
  pollMs: number;
  backoff: BackoffOptions;
  /** Sessions worked on at the same time (segments of one session always go in order). */
  parallelSessions: number;
  /** Bandwidth cap over all uploads, bytes/s; null: none. */
  maxBytesPerSec: number | null;
  /** Raise `upload.failing` when the server exchanges have failed for this long, ms. */
  uploadFailingAfterMs: number;
}

type SessionRow = BoothDb['sessions'];

/** The next thing to do for one session. */
type Action =
  | { kind: 'register'; session: SessionRow }
  | { kind: 'upload'; session: SessionRow; segment: NonNullable<Awaited<ReturnType<SegmentStore['nextUnconfirmed']>>> }
  | { kind: 'finish'; session: SessionRow }
  | { kind: 'poll'; session: SessionRow };

interface ActResult {
  changed: boolean;
  contacted: boolean;
}
const DONE: ActResult = { changed: true, contacted: true };

interface LaneBackoff {
  failures: number;
  notBefore: number;
}

/** How often an idle loop checks that the server still answers. */
const HEALTH_EVERY_MS = 30_000;

/**
 * Moves sealed sessions to the server, one lane per session: register the session, upload its
 * segments strictly in order, send the signed manifest once every segment is acknowledged, then
 * poll until the archive reports it archived or failed. Up to `parallelSessions` lanes run at
 * once; a lane that fails backs off on its own (exponential, full jitter) without holding up the
 * others. Every step is a state change in SQLite, so a restart resumes where it stopped; a segment
 * whose upload was cut off is sent again and the server answers with the same acknowledgement.
 * A session whose next segment is quarantined waits for an operator; the others go on.
 */
export class SyncLoop extends EventEmitter<SyncLoopEvents> {
  private status: SyncStatus = { online: false, lastError: null };
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private closed = false;
  private lastContact = 0;
  /** When server exchanges started failing without any success since; null while they work. */
  private failingSince: number | null = null;
  private readonly lanes = new Map<string, LaneBackoff>();
  private readonly lastPoll = new Map<string, number>();
  private wake: (() => void) | null = null;
  private kicked = false;
  /** Lanes in flight, by session: at most `parallelSessions`, each working on its own session. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private loopDone: Promise<void> = Promise.resolve();
  private readonly segments: SegmentStore;
  private readonly uploader: SegmentUploader;

  constructor(
    private readonly db: Kysely<BoothDb>,
    vaultDir: string,
    private readonly client: ServerClient,
    private readonly opts: SyncOptions,
    private readonly faults: FaultSink,
    private readonly log: Logger,
    private readonly reporter: StatusReporter | null = null,
  ) {
    super();
    this.segments = new SegmentStore(db);
    const throttle = opts.maxBytesPerSec ? new Throttle(opts.maxBytesPerSec) : null;
    this.uploader = new SegmentUploader(new GroupCommitter(db), this.segments, vaultDir, client, faults, throttle, log);
  }

  /** A new upload bandwidth cap (remote config), bytes/s over all lanes; null: none. */
  setMaxBytesPerSec(bytesPerSec: number | null): void {
    this.uploader.setThrottle(bytesPerSec ? new Throttle(bytesPerSec) : null);
  }

  get state(): SyncStatus {
    return { ...this.status };
  }

  start(): void {
    if (this.running || this.closed) return;
    this.running = true;
    this.loopDone = this.loop();
    this.reporter?.start();
  }

  /** Sends faults (and the status when due) now, e.g. after a fault changed. */
  reportNow(): void {
    if (this.running) this.reporter?.kick();
  }

  /** Wakes the loop now (new segment sealed, session ended); a kick during a step is not lost. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  /** Stops after the lanes in flight have ended. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.kick();
    await this.loopDone;
    await this.reporter?.close();
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      let delay: number;
      try {
        delay = await this.step();
      } catch (err) {
        // Only reading the local database can fail here; lanes handle their own errors.
        this.log.error({ err }, 'sync planning failed');
        delay = this.opts.backoff.maxMs;
      }
      if (delay === 0 || this.closed) continue;
      // Wake on the timer, a kick, or the end of any lane in flight.
      const sleeping = this.sleep(delay);
      if (this.inFlight.size > 0) {
        await Promise.race([sleeping, ...this.inFlight.values()]);
        this.wake?.();
      } else {
        await sleeping;
      }
    }
    await Promise.all(this.inFlight.values());
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        this.wake = null;
        resolve();
      };
      if (this.kicked) {
        this.kicked = false;
        resolve();
        return;
      }
      this.wake = done;
      this.timer = setTimeout(done, ms);
    });
  }

  private setStatus(s: SyncStatus): void {
    if (s.online !== this.status.online || s.lastError !== this.status.lastError) {
      this.status = s;
      this.emit('change');
    }
  }

  /**
   * Starts an action for every session that has one, up to `parallelSessions` lanes in flight (a
   * lane that finishes frees its slot at once; it does not wait for the others). Archive polls and
   * the idle health check run only when no lane is busy. Returns how long to wait (0: plan again).
   */
  private async step(): Promise<number> {
    this.kicked = false;
    const now = Date.now();
    const { actions, nextAt, polling } = await this.plan(now);
    const free = Math.max(0, this.opts.parallelSessions - this.inFlight.size);
    const work = actions.filter((a) => a.kind !== 'poll').slice(0, free);
    for (const a of work) this.launch(a);
    const waits = [nextAt - now, polling ? this.opts.pollMs : HEALTH_EVERY_MS];
    if (this.inFlight.size === 0) {
      const polls = actions.filter((a) => a.kind === 'poll');
      if (polls.length > 0) {
        const results = await Promise.all(polls.map((a) => this.runLane(a.session.session_id, () => this.act(a))));
        if (results.some((r) => r)) {
          this.emit('change');
          return 0;
        }
        waits.push(this.opts.pollMs);
      } else if (now - this.lastContact > HEALTH_EVERY_MS) {
        await this.runLane(null, () => this.client.health().then(() => ({ changed: false, contacted: true })));
      }
    }
    return Math.max(10, Math.min(...waits.filter((x) => x > 0)));
  }

  private launch(a: Action): void {
    const id = a.session.session_id;
    const lane = this.runLane(id, () => this.act(a))
      .then((changed) => {
        if (changed) this.emit('change');
      })
      .finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, lane);
  }

  /** Runs one lane's action; records success (online, backoff reset) or failure (lane backoff). Resolves to whether anything changed. */
  private async runLane(sessionId: string | null, fn: () => Promise<ActResult>): Promise<boolean> {
    try {
      const { changed, contacted } = await fn();
      if (sessionId) this.lanes.delete(sessionId);
      if (contacted) {
        this.lastContact = Date.now();
        this.contactOk();
      }
      return changed;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const rejected = err instanceof ServerRejectedError;
      if (rejected) this.lastContact = Date.now();
      this.setStatus({ online: rejected, lastError: message });
      if (sessionId) {
        this.uploadFailed(message);
        const lane = this.lanes.get(sessionId) ?? { failures: 0, notBefore: 0 };
        const wait = backoffDelay(lane.failures, this.opts.backoff);
        this.lanes.set(sessionId, { failures: lane.failures + 1, notBefore: Date.now() + wait });
        this.log.warn({ sessionId, err: message, retryInMs: wait }, 'sync step failed');
      }
      return true;
    }
  }

  private contactOk(): void {
    this.failingSince = null;
    this.faults.clear('upload.failing');
    this.setStatus({ online: true, lastError: null });
  }

  /** A session's exchange with the server failed: after `uploadFailingAfterMs` without success, raise `upload.failing`. */
  private uploadFailed(message: string): void {
    const now = Date.now();
    this.failingSince ??= now;
    const forMs = now - this.failingSince;
    if (forMs >= this.opts.uploadFailingAfterMs) {
      const since = forMs < 120_000 ? `${Math.round(forMs / 1000)} s` : `${Math.round(forMs / 60_000)} min`;
      this.faults.raise({ kind: 'upload.failing', severity: 'error', message: `Uploads to the centre have failed for ${since} (last error: ${message}). Recordings are kept safe on this booth.` });
    }
  }

  /** The next action of each session that has one now; `nextAt` is the earliest time a waiting lane may go. */
  private async plan(now: number): Promise<{ actions: Action[]; nextAt: number; polling: boolean }> {
    const sessions = await this.db.selectFrom('sessions').selectAll().where('archived_at', 'is', null).where('phase', '!=', 'failed').orderBy('created_at').execute();
    const actions: Action[] = [];
    let nextAt = Number.POSITIVE_INFINITY;
    let polling = false;
    for (const s of sessions) {
      if (this.inFlight.has(s.session_id)) continue;
      const lane = this.lanes.get(s.session_id);
      if (lane && lane.notBefore > now) {
        nextAt = Math.min(nextAt, lane.notBefore);
        continue;
      }
      if (!s.server_registered) {
        actions.push({ kind: 'register', session: s });
        continue;
      }
      const seg = await this.segments.nextUnconfirmed(s.session_id);
      if (seg) {
        if (seg.state !== 'quarantined') actions.push({ kind: 'upload', session: s, segment: seg });
        continue;
      }
      if (s.manifest_json && !s.server_finished) {
        actions.push({ kind: 'finish', session: s });
      } else if (s.server_finished) {
        polling = true;
        const due = (this.lastPoll.get(s.session_id) ?? 0) + this.opts.pollMs;
        if (due <= now) actions.push({ kind: 'poll', session: s });
        else nextAt = Math.min(nextAt, due);
      }
    }
    return { actions, nextAt, polling };
  }

  /** Performs one action; resolves to whether it changed local state and whether it talked to the server. */
  private async act(a: Action): Promise<ActResult> {
    const s = a.session;
    switch (a.kind) {
      case 'register': {
        const keyWrap = KeyWrap.parse(JSON.parse(s.key_wrap_json));
        await this.client.createSession({ sessionId: s.session_id, productId: s.product_id, startedAt: s.started_at, keyWrap });
        await this.db.updateTable('sessions').set({ server_registered: 1 }).where('session_id', '=', s.session_id).execute();
        return DONE;
      }
      case 'upload': {
        // The lane keeps the session while its segments are acknowledged (until close()).
        const run = await this.uploader.uploadRun(a.segment, () => this.closed, () => this.emit('change'));
        return { changed: true, contacted: run.acknowledged > 0 || run.last !== 'corrupted' };
      }
      case 'finish': {
        const manifest = SessionManifest.parse(JSON.parse(s.manifest_json ?? 'null'));
        await this.client.finish(s.session_id, { manifest, signature: s.signature ?? '' });
        await this.db.updateTable('sessions').set({ server_finished: 1 }).where('session_id', '=', s.session_id).execute();
        return DONE;
      }
      case 'poll': {
        this.lastPoll.set(s.session_id, Date.now());
        const view = await this.client.getSession(s.session_id);
        if (view.status === 'archived') {
          await this.db
            .updateTable('sessions')
            .set({ phase: 'archived', archived_at: view.archive?.archivedAt ?? new Date().toISOString() })
            .where('session_id', '=', s.session_id)
            .execute();
          return DONE;
        }
        if (view.status === 'failed') {
          await this.db
            .updateTable('sessions')
            .set({ phase: 'failed', error: `archive failed: ${view.failure ?? 'no reason given'}` })
            .where('session_id', '=', s.session_id)
            .execute();
          return DONE;
        }
        return { changed: false, contacted: true };
      }
      default: {
        const unreachable: never = a;
        throw new Error(`unknown sync action ${JSON.stringify(unreachable)}`);
      }
    }
  }
}
