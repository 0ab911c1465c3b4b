import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Insertable, Kysely } from 'kysely';
import { nextSegmentState, type StoredSegmentState } from '../../core/segment-machine.js';
import type { BoothDb } from '../db/schema.js';

export type SegmentInsert = Insertable<BoothDb['segments']>;

/** A sealed segment whose file is durable and whose row is ready to go in. */
export interface CommitItem {
  row: SegmentInsert;
  /** The session's media end after this segment, seconds. */
  mediaEnd: number;
}

/** The row of a freshly sealed segment (state `sealed`). */
export function sealedRow(cols: Omit<SegmentInsert, 'state' | 'last_error' | 'next_attempt_at' | 'ack_segment_id' | 'ack_sha256' | 'ack_at' | 'state_changed_at' | 'purged_at'>): SegmentInsert {
  return {
    ...cols,
    state: nextSegmentState('recorded', { type: 'sealed' }) as StoredSegmentState,
    last_error: null,
    next_attempt_at: null,
    ack_segment_id: null,
    ack_sha256: null,
    ack_at: null,
    state_changed_at: cols.sealed_at,
    purged_at: null,
  };
}

/**
 * Commits consecutive sealed segments of one session in ONE transaction (group commit): their rows,
 * and the session's chain head and media end moved to the last of them. Callers pass only segments
 * whose files are durable, in sequence order, directly following the last committed one; so the
 * rows of a session are always a contiguous prefix of its chain, each with its file on disk.
 */
export async function commitSealed(db: Kysely<BoothDb>, sessionId: string, items: readonly CommitItem[]): Promise<void> {
  const last = items.at(-1);
  if (!last) return;
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto('segments')
      .values(items.map((i) => i.row))
      .execute();
    await tx.updateTable('sessions').set({ last_link: last.row.link, media_sec: last.mediaEnd }).where('session_id', '=', sessionId).execute();
  });
}

/**
 * Removes the sealed file of a segment that will not be committed (it, or a segment before it,
 * failed). Only when no row names the file: a row never loses its file. A file left behind (this
 * fails, or the process dies first) is an orphan that `removeOrphanFiles` deletes later.
 */
export async function removeUncommitted(db: Kysely<BoothDb>, vaultDir: string, sessionId: string, seq: number, file: string): Promise<void> {
  const row = await db.selectFrom('segments').select('seq').where('session_id', '=', sessionId).where('seq', '=', seq).executeTakeFirst();
  if (row) return;
  await rm(join(vaultDir, file), { force: true });
}
