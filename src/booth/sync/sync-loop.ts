import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { backoffDelay, type BackoffOptions } from '../../core/backoff.js';
import { IntegrityError } from '../../core/errors.js';
import { KeyWrap, SessionManifest } from '../../protocol/envelope.js';
import type { Logger } from '../../platform/log.js';
import type { BoothDb } from '../db/schema.js';
import { ServerRejectedError, type ServerClient } from './server-client.js';

export interface SyncStatus {
  online: boolean;
  lastError: string | null;
}

export interface SyncLoopEvents {
  change: [];
}

type StepResult = 'worked' | 'waiting' | 'idle';

/** How often an idle loop checks that the server still answers. */
const HEALTH_EVERY_MS = 30_000;

/**
 * Moves sealed sessions to the server: registers each session, uploads its segments in order,
 * stores each acknowledgement in the same transaction that marks the segment acknowledged, sends
 * the signed manifest once every segment is acknowledged, then polls until the archive reports the
 * session archived or failed. All progress lives in SQLite, so a restart resumes where it stopped.
 * Failures back off exponentially with jitter; `kick()` wakes it when new work arrives.
 */
export class SyncLoop extends EventEmitter<SyncLoopEvents> {
  private status: SyncStatus = { online: false, lastError: null };
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private closed = false;
  private failures = 0;
  /** Set when a step talked to the server; `online` reflects only real exchanges. */
  private contacted = false;
  private lastContact = 0;
  private wake: (() => void) | null = null;
  private loopDone: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<BoothDb>,
    private readonly vaultDir: string,
    private readonly client: ServerClient,
    private readonly opts: { pollMs: number; backoff: BackoffOptions },
    private readonly log: Logger,
  ) {
    super();
  }

  get state(): SyncStatus {
    return { ...this.status };
  }

  start(): void {
    if (this.running || this.closed) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Wakes the loop now (new segment sealed, session ended). */
  kick(): void {
    this.wake?.();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.kick();
    await this.loopDone;
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      let delay: number | null;
      try {
        this.contacted = false;
        let r = await this.step();
        if (r === 'idle' && Date.now() - this.lastContact > HEALTH_EVERY_MS) {
          await this.client.health();
          this.contacted = true;
          r = 'waiting';
        }
        this.failures = 0;
        if (this.contacted) {
          this.lastContact = Date.now();
          this.setStatus({ online: true, lastError: null });
        }
        delay = r === 'worked' ? 0 : r === 'waiting' ? this.opts.pollMs : HEALTH_EVERY_MS;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const online = err instanceof ServerRejectedError;
        this.setStatus({ online, lastError: message });
        delay = backoffDelay(this.failures++, this.opts.backoff);
        this.log.warn({ err: message, retryInMs: delay }, 'sync step failed');
      }
      if (delay !== 0) await this.sleep(delay);
    }
  }

  private sleep(ms: number | null): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        this.wake = null;
        resolve();
      };
      this.wake = done;
      if (ms !== null) this.timer = setTimeout(done, ms);
    });
  }

  private setStatus(s: SyncStatus): void {
    if (s.online !== this.status.online || s.lastError !== this.status.lastError) {
      this.status = s;
      this.emit('change');
    }
  }

  /** Does the next unit of work. */
  private async step(): Promise<StepResult> {
    const unregistered = await this.db.selectFrom('sessions').selectAll().where('server_registered', '=', 0).orderBy('created_at').executeTakeFirst();
    if (unregistered) {
      const keyWrap = KeyWrap.parse(JSON.parse(unregistered.key_wrap_json));
      this.contacted = true;
      await this.client.createSession({ sessionId: unregistered.session_id, productId: unregistered.product_id, startedAt: unregistered.started_at, keyWrap });
      await this.db.updateTable('sessions').set({ server_registered: 1 }).where('session_id', '=', unregistered.session_id).execute();
      this.emit('change');
      return 'worked';
    }

    const seg = await this.db
      .selectFrom('segments')
      .innerJoin('sessions', 'sessions.session_id', 'segments.session_id')
      .selectAll('segments')
      .where('segments.state', '=', 'sealed')
      .orderBy('sessions.created_at')
      .orderBy('segments.seq')
      .executeTakeFirst();
    if (seg) {
      const bytes = await readFile(join(this.vaultDir, seg.file));
      try {
        this.contacted = true;
        const ack = await this.client.putSegment(seg.session_id, seg.seq, bytes, seg.cipher_sha256);
        if (ack.sha256 !== seg.cipher_sha256 || ack.link !== seg.link) {
          throw new IntegrityError('sync.ack_mismatch', `server acknowledged segment ${seg.seq} of ${seg.session_id} with a different hash or link`);
        }
        await this.db
          .updateTable('segments')
          .set({ state: 'acknowledged', ack_segment_id: ack.segmentId, ack_sha256: ack.sha256, ack_at: ack.receivedAt, last_error: null })
          .where('session_id', '=', seg.session_id)
          .where('seq', '=', seg.seq)
          .execute();
      } catch (err) {
        await this.db
          .updateTable('segments')
          .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: err instanceof Error ? err.message : String(err) }))
          .where('session_id', '=', seg.session_id)
          .where('seq', '=', seg.seq)
          .execute();
        throw err;
      }
      this.emit('change');
      return 'worked';
    }

    const toFinish = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('server_finished', '=', 0)
      .where('manifest_json', 'is not', null)
      .orderBy('created_at')
      .executeTakeFirst();
    if (toFinish?.manifest_json && toFinish.signature) {
      const manifest = SessionManifest.parse(JSON.parse(toFinish.manifest_json));
      this.contacted = true;
      await this.client.finish(toFinish.session_id, { manifest, signature: toFinish.signature });
      await this.db.updateTable('sessions').set({ server_finished: 1 }).where('session_id', '=', toFinish.session_id).execute();
      this.emit('change');
      return 'worked';
    }

    const awaiting = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('server_finished', '=', 1)
      .where('archived_at', 'is', null)
      .where('phase', '!=', 'failed')
      .orderBy('created_at')
      .execute();
    let changed = false;
    for (const s of awaiting) {
      this.contacted = true;
      const view = await this.client.getSession(s.session_id);
      if (view.status === 'archived') {
        await this.db
          .updateTable('sessions')
          .set({ phase: 'archived', archived_at: view.archive?.archivedAt ?? new Date().toISOString() })
          .where('session_id', '=', s.session_id)
          .execute();
        changed = true;
      } else if (view.status === 'failed') {
        await this.db
          .updateTable('sessions')
          .set({ phase: 'failed', error: `archive failed: ${view.failure ?? 'no reason given'}` })
          .where('session_id', '=', s.session_id)
          .execute();
        changed = true;
      }
    }
    if (changed) {
      this.emit('change');
      return 'worked';
    }
    return awaiting.length > 0 ? 'waiting' : 'idle';
  }
}

