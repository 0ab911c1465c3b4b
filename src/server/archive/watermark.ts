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
 * Looks up the watermark of a session. The server composition root passes one in (Server.create
 * option `watermark`); the default is `boothBranchWatermark`.
 */
export type WatermarkResolver = (subject: WatermarkSubject) => Promise<WatermarkInfo>;

/**
 * Booth name and the name of its branch (booths.branch_id -> branches, migration 0003); branch
 * null for a booth enrolled without one. Branch names are shown as "name (id)".
 */
export function boothBranchWatermark(db: Kysely<ServerDb>): WatermarkResolver {
  return async ({ sessionId, boothId }) => {
    const row = await db
      .selectFrom('booths')
      .leftJoin('branches', 'branches.branch_id', 'booths.branch_id')
      .select(['booths.name as booth', 'booths.branch_id as branchId', 'branches.name as branch'])
      .where('booths.booth_id', '=', boothId)
      .executeTakeFirst();
    const branch = row?.branchId ? (row.branch ? `${row.branch} (${row.branchId})` : row.branchId) : null;
    return { branch, booth: row?.booth ?? boothId, sessionId };
  };
}
