import type { Kysely } from 'kysely';
import { NotFoundError } from '../../core/errors.js';
import { SessionStatus, type SessionView } from '../../protocol/server-api.js';
import type { ServerDb } from '../db/schema.js';

export function segmentKey(sessionId: string, seq: number): string {
  return `segments/${sessionId}/${String(seq).padStart(6, '0')}.seg`;
}

export async function readSessionView(db: Kysely<ServerDb>, sessionId: string): Promise<SessionView> {
  const s = await db.selectFrom('sessions').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
  if (!s) throw new NotFoundError('session.unknown', `unknown session ${sessionId}`);
  const count = await db.selectFrom('segments').select((eb) => eb.fn.countAll<number>().as('n')).where('session_id', '=', sessionId).executeTakeFirstOrThrow();
  const a = await db.selectFrom('archives').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
  return {
    sessionId: s.session_id,
    boothId: s.booth_id,
    productId: s.product_id,
    status: SessionStatus.parse(s.status),
    startedAt: s.started_at,
    endedAt: s.ended_at,
    segmentsReceived: Number(count.n),
    archive: a ? { mp4Path: a.mp4_key, mp4Sha256: a.mp4_sha256, durationSec: a.duration_sec, archivedAt: a.archived_at } : null,
    failure: s.failure,
  };
}
