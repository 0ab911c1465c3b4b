import type { Kysely } from 'kysely';
import type { BoothStatusReport } from '../../protocol/server-api.js';
import type { BoothDb } from '../db/schema.js';
import type { DiskStatus } from '../vault/disk-guard.js';
import type { SegmentStore } from '../vault/segment-store.js';

const CAPTURING = ['starting', 'recording', 'stopping'];

/** The booth's status report: backlog from the segment rows, disk from the last disk check. */
export async function buildStatusReport(db: Kysely<BoothDb>, segments: SegmentStore, disk: DiskStatus, activeFaults: number, now = new Date()): Promise<BoothStatusReport> {
  const backlog = await segments.backlog();
  // ended_at: a session a crash left open, waiting for the device key to be signed off, is not recording.
  const recording = await db.selectFrom('sessions').select('session_id').where('phase', 'in', CAPTURING).where('ended_at', 'is', null).orderBy('created_at', 'desc').executeTakeFirst();
  return {
    at: now.toISOString(),
    backlog: {
      ...backlog,
      oldestUnconfirmedAgeSec: backlog.oldestUnconfirmedAt === null ? null : Math.max(0, Math.round((now.getTime() - Date.parse(backlog.oldestUnconfirmedAt)) / 1000)),
    },
    disk: { freeBytes: disk.freeBytes, vaultBytes: disk.vaultBytes, quotaBytes: disk.quotaBytes, level: disk.level },
    recordingSessionId: recording?.session_id ?? null,
    activeFaults,
  };
}
