import { rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from '../../platform/log.js';
import { PeriodicTask } from '../../platform/periodic.js';
import type { BoothDb } from '../db/schema.js';
import { CAPTURING_PHASES } from '../session-rows.js';
import { listIfPresent, removeOrphanFiles } from './orphans.js';
import type { SegmentStore } from './segment-store.js';

export interface PurgerOptions {
  vaultDir: string;
  spoolDir: string;
  retentionMs: number;
  everyMs: number;
}

/**
 * Frees the booth's disk, and never touches a segment the server has not confirmed:
 * - sealed files of acknowledged segments whose acknowledgement is older than the retention are
 *   deleted, oldest first, each moving to `purged` (file first, then the row: a crash in between
 *   leaves an acknowledged row whose file is gone, which the next run finishes);
 * - spool folders of sessions that are no longer capturing are removed: plaintext left there by a
 *   crash or an emergency stop can never be sealed (its session key died with the recording) and
 *   must not stay on disk in clear;
 * - vault files without a row in sessions no longer capturing are removed (removeOrphanFiles).
 */
export class Purger {
  private readonly task: PeriodicTask<number>;

  constructor(
    private readonly db: Kysely<BoothDb>,
    private readonly segments: SegmentStore,
    private readonly opts: PurgerOptions,
    private readonly log: Logger,
  ) {
    this.task = new PeriodicTask(() => this.pass(Date.now()), opts.everyMs, (err) => this.log.error({ err }, 'purge failed'));
  }

  start(): void {
    this.task.start();
  }

  /** One purge pass; resolves to the number of segments purged. Concurrent calls share one pass. */
  run(): Promise<number> {
    return this.task.run();
  }

  /** Stops the timer and waits for a pass in progress. Safe to call twice. */
  close(): Promise<void> {
    return this.task.close();
  }

  private async pass(now: number): Promise<number> {
    await this.cleanSpool();
    await removeOrphanFiles(this.db, this.opts.vaultDir, this.log);
    const cutoff = new Date(now - this.opts.retentionMs).toISOString();
    let purged = 0;
    for (;;) {
      const batch = await this.db
        .selectFrom('segments')
        .select(['session_id', 'seq', 'file'])
        .where('state', '=', 'acknowledged')
        .where('ack_at', '<=', cutoff)
        .orderBy('sealed_at')
        .limit(200)
        .execute();
      if (batch.length === 0 || this.task.closed) break;
      for (const seg of batch) {
        await unlinkIfPresent(join(this.opts.vaultDir, seg.file));
        await this.segments.transition({ sessionId: seg.session_id, seq: seg.seq }, { type: 'purged' }, { purged_at: new Date().toISOString() });
        purged++;
      }
    }
    if (purged > 0) this.log.info({ purged, cutoff }, 'purged acknowledged segments past retention');
    return purged;
  }

  private async cleanSpool(): Promise<void> {
    const folders = await listIfPresent(this.opts.spoolDir);
    if (folders.length === 0) return;
    const capturing = new Set(
      (await this.db.selectFrom('sessions').select('session_id').where('phase', 'in', CAPTURING_PHASES).execute()).map((r) => r.session_id),
    );
    for (const name of folders) {
      if (capturing.has(name)) continue;
      const dir = join(this.opts.spoolDir, name);
      const left = (await listIfPresent(dir, true)).filter((f) => f.endsWith('.ts'));
      if (left.length > 0) this.log.warn({ sessionId: name, files: left.length }, 'removing unsealed plaintext left by an interrupted recording');
      await rm(dir, { recursive: true, force: true });
    }
  }
}

async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
