import type { Kysely } from 'kysely';
import { genesisLink } from '../core/chain.js';
import type { KeyWrap } from '../protocol/envelope.js';
import type { BoothDb } from './db/schema.js';

/** Session phases in which a recording may be running (and a sealer writing into its vault folder). */
export const CAPTURING_PHASES = ['starting', 'recording', 'stopping'];

/**
 * The newest session recording now, or null. A session a crash left open while the device key is
 * missing has ended_at set (it waits to be signed off) and is not recording.
 */
export async function recordingSessionId(db: Kysely<BoothDb>): Promise<string | null> {
  const row = await db.selectFrom('sessions').select('session_id').where('phase', 'in', CAPTURING_PHASES).where('ended_at', 'is', null).orderBy('created_at', 'desc').executeTakeFirst();
  return row?.session_id ?? null;
}

/** Stores a new session row: its wrapped key, the chain at genesis, nothing synced yet. */
export async function insertNewSession(db: Kysely<BoothDb>, s: { sessionId: string; productId: string; phase: string; keyWrap: KeyWrap; startedAt: string }): Promise<void> {
  const genesis = genesisLink(s.sessionId);
  await db
    .insertInto('sessions')
    .values({
      session_id: s.sessionId,
      product_id: s.productId,
      phase: s.phase,
      started_at: s.startedAt,
      ended_at: null,
      end_reason: null,
      key_wrap_json: JSON.stringify(s.keyWrap),
      genesis_link: genesis,
      last_link: genesis,
      media_sec: 0,
      manifest_json: null,
      signature: null,
      server_registered: 0,
      server_finished: 0,
      archived_at: null,
      error: null,
      created_at: s.startedAt,
    })
    .execute();
}
