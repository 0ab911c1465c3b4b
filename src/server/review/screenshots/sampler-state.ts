import { sql, type Kysely } from 'kysely';
import type { ServerDb } from '../../db/schema.js';

/** Segments received longer ago than this are not looked at by the sweep (bounds its query). */
const LOOKBACK_MS = 7 * 24 * 3600_000;

/** The longest a failing session is left alone before the sweep tries it again. */
const MAX_BACKOFF_MS = 15 * 60_000;

/** Sessions with segments at or past their cursor, the oldest waiting segment first, except `exclude`. */
export async function pendingSessions(db: Kysely<ServerDb>, exclude: readonly string[], now = Date.now()): Promise<string[]> {
  let query = db
    .selectFrom('segments as g')
    .leftJoin('screenshot_cursors as c', 'c.session_id', 'g.session_id')
    .select((eb) => ['g.session_id', eb.fn.min('g.received_at').as('oldest')])
    .where('g.received_at', '>=', new Date(now - LOOKBACK_MS).toISOString())
    .where((eb) => eb('g.seq', '>=', eb.fn.coalesce('c.next_seq', sql.lit(0))));
  if (exclude.length > 0) query = query.where('g.session_id', 'not in', exclude);
  const rows = await query.groupBy('g.session_id').orderBy('oldest').orderBy('g.session_id').limit(200).execute();
  return rows.map((r) => r.session_id);
}

/** Keeps a session's failure on its cursor (which does not move; created at 0 when missing). */
export async function recordSessionError(db: Kysely<ServerDb>, sessionId: string, lastError: string): Promise<void> {
  const at = new Date().toISOString();
  await db
    .insertInto('screenshot_cursors')
    .values({ session_id: sessionId, next_seq: 0, skipped: 0, last_error: lastError, updated_at: at })
    .onConflict((oc) => oc.column('session_id').doUpdateSet({ last_error: lastError, updated_at: at }))
    .execute();
}

/** Sessions whose sampling failed, in memory: each waits 2, 4, 8 … sweeps (at most MAX_BACKOFF_MS) before the next try. */
export class SessionBackoff {
  private readonly failing = new Map<string, { failures: number; until: number }>();

  constructor(private readonly sweepMs: number) {}

  /** The sessions not to try now. */
  waiting(now = Date.now()): string[] {
    return [...this.failing].filter(([, f]) => f.until > now).map(([id]) => id);
  }

  /** Counts a failure; returns how many in a row and how long the session now waits. */
  failed(sessionId: string): { failures: number; delayMs: number } {
    const failures = (this.failing.get(sessionId)?.failures ?? 0) + 1;
    const delayMs = Math.min(MAX_BACKOFF_MS, this.sweepMs * 2 ** failures);
    this.failing.set(sessionId, { failures, until: Date.now() + delayMs });
    return { failures, delayMs };
  }

  succeeded(sessionId: string): void {
    this.failing.delete(sessionId);
  }
}
