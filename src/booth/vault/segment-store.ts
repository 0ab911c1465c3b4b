import type { Kysely, Transaction } from 'kysely';
import { ConflictError } from '../../core/errors.js';
import { nextSegmentState, UNCONFIRMED_STATES, type SegmentEvent, type StoredSegmentState } from '../../core/segment-machine.js';
import type { BoothDb } from '../db/schema.js';

export interface SegmentKey {
  sessionId: string;
  seq: number;
}

/** Columns a transition may set besides the state. */
export type SegmentPatch = Partial<Pick<BoothDb['segments'], 'last_error' | 'next_attempt_at' | 'ack_segment_id' | 'ack_sha256' | 'ack_at' | 'purged_at'>> & { attemptsPlusOne?: boolean };

export type SegmentRow = Awaited<ReturnType<SegmentStore['get']>>;

export interface Backlog {
  /** Segments not yet confirmed by the server (sealed, uploading, failed, quarantined). */
  segments: number;
  bytes: number;
  quarantined: number;
  /** Seal time of the oldest unconfirmed segment, or null. */
  oldestUnconfirmedAt: string | null;
}

/**
 * The booth's segment rows and their state transitions. Each transition reads the current state,
 * applies the pure rule (core/segment-machine.ts) and writes the new state in one transaction,
 * conditioned on the state it read, so two writers can never both move the same segment.
 */
export class SegmentStore {
  constructor(private readonly db: Kysely<BoothDb>) {}

  async get(key: SegmentKey) {
    return this.db.selectFrom('segments').selectAll().where('session_id', '=', key.sessionId).where('seq', '=', key.seq).executeTakeFirst();
  }

  /** Applies `event` to the segment; throws ConflictError when the rule forbids it. Returns the new state. */
  async transition(key: SegmentKey, event: SegmentEvent, patch: SegmentPatch = {}): Promise<StoredSegmentState> {
    return this.db.transaction().execute((tx) => transitionIn(tx, key, event, patch));
  }

  /** The first segment of the session (after `afterSeq`, if given) that the server has not confirmed yet, in sequence order. */
  async nextUnconfirmed(sessionId: string, afterSeq = -1) {
    return this.db
      .selectFrom('segments')
      .selectAll()
      .where('session_id', '=', sessionId)
      .where('seq', '>', afterSeq)
      .where('state', 'in', UNCONFIRMED_STATES)
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst();
  }

  /**
   * Releases the session's quarantined segments for another upload (an operator fixed the cause),
   * each as its own transition. The uploader checks each file's hash again before sending it.
   * Returns the sequence numbers released.
   */
  async releaseQuarantined(sessionId: string): Promise<number[]> {
    const rows = await this.db.selectFrom('segments').select('seq').where('session_id', '=', sessionId).where('state', '=', 'quarantined').orderBy('seq').execute();
    for (const r of rows) await this.transition({ sessionId, seq: r.seq }, { type: 'released' }, { last_error: null, next_attempt_at: null });
    return rows.map((r) => r.seq);
  }

  async backlog(): Promise<Backlog> {
    const r = await this.db
      .selectFrom('segments')
      .select((eb) => [
        eb.fn.countAll<number>().as('n'),
        eb.fn.sum<number>('bytes').as('bytes'),
        eb.fn.min<string>('sealed_at').as('oldest'),
        eb.fn.sum<number>(eb.case().when('state', '=', 'quarantined').then(1).else(0).end()).as('q'),
      ])
      .where('state', 'in', UNCONFIRMED_STATES)
      .executeTakeFirstOrThrow();
    return { segments: Number(r.n), bytes: Number(r.bytes ?? 0), quarantined: Number(r.q ?? 0), oldestUnconfirmedAt: r.oldest ?? null };
  }

  /** Count and bytes per state. */
  async countsByState(): Promise<Partial<Record<StoredSegmentState, { segments: number; bytes: number }>>> {
    const rows = await this.db
      .selectFrom('segments')
      .select((eb) => ['state', eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('bytes').as('bytes')])
      .groupBy('state')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.state, { segments: Number(r.n), bytes: Number(r.bytes ?? 0) }]));
  }

  /** Bytes of sealed files still on disk (every state but purged). */
  async bytesOnDisk(): Promise<number> {
    const r = await this.db.selectFrom('segments').select((eb) => eb.fn.sum<number>('bytes').as('b')).where('state', '!=', 'purged').executeTakeFirstOrThrow();
    return Number(r.b ?? 0);
  }
}

/** One transition inside an open transaction (for callers that change more rows in the same one). */
export async function transitionIn(tx: Transaction<BoothDb>, key: SegmentKey, event: SegmentEvent, patch: SegmentPatch = {}): Promise<StoredSegmentState> {
  const row = await tx.selectFrom('segments').select('state').where('session_id', '=', key.sessionId).where('seq', '=', key.seq).executeTakeFirst();
  if (!row) throw new ConflictError('segment.unknown', `no segment ${key.seq} of session ${key.sessionId} on this booth`);
  const to = nextSegmentState(row.state, event) as StoredSegmentState;
  const { attemptsPlusOne, ...cols } = patch;
  const r = await tx
    .updateTable('segments')
    .set((eb) => ({ ...cols, state: to, state_changed_at: new Date().toISOString(), ...(attemptsPlusOne ? { attempts: eb('attempts', '+', 1) } : {}) }))
    .where('session_id', '=', key.sessionId)
    .where('seq', '=', key.seq)
    .where('state', '=', row.state)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) throw new ConflictError('segment.raced', `segment ${key.seq} of session ${key.sessionId} changed state while moving it from ${row.state}`);
  return to;
}
