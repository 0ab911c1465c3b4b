import type { Kysely } from 'kysely';
import type { ServerDb } from '../db/schema.js';

/** What the watermark of a session's derived video names. */
export interface WatermarkInfo {
  /** Branch name, or null when the booth belongs to no known branch (shown as "–"). */
  branch: string | null;
  /** Booth name. */
  booth: string;
  sessionId: string;
}

/** The session a watermark is resolved for. */
export interface WatermarkSubject {
  sessionId: string;
  boothId: string;
}

/**
 * Looks up the watermark of a session. The server composition root passes one in; the default
 * (`boothNameWatermark`) knows booth names only. Once booths carry a branch (auth, migration 0003),
 * the server passes a resolver that joins the branch name.
 */
export type WatermarkResolver = (subject: WatermarkSubject) => Promise<WatermarkInfo>;

/** Booth name from the booths table, no branch. */
export function boothNameWatermark(db: Kysely<ServerDb>): WatermarkResolver {
  return async ({ sessionId, boothId }) => {
    const booth = await db.selectFrom('booths').select('name').where('booth_id', '=', boothId).executeTakeFirst();
    return { branch: null, booth: booth?.name ?? boothId, sessionId };
  };
}
