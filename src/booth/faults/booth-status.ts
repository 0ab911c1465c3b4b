import type { Kysely } from 'kysely';
import type { BoothStatusReport } from '../../protocol/server-api.js';
import type { BoothDb } from '../db/schema.js';
import { recordingSessionId } from '../session-rows.js';
import type { DiskStatus } from '../vault/disk-guard.js';
import type { SegmentStore } from '../vault/segment-store.js';


/** The booth's status report: backlog from the segment rows, disk from the last disk check. */
export async function buildStatusReport(db: Kysely<BoothDb>, segments: SegmentStore, disk: DiskStatus, activeFaults: number, now = new Date()): Promise<BoothStatusReport> {
  const backlog = await segments.backlog();
  const recording = await recordingSessionId(db);
  return {
    at: now.toISOString(),
    backlog: {
      ...backlog,
      oldestUnconfirmedAgeSec: backlog.oldestUnconfirmedAt === null ? null : Math.max(0, Math.round((now.getTime() - Date.parse(backlog.oldestUnconfirmedAt)) / 1000)),
    },
    disk: { freeBytes: disk.freeBytes, vaultBytes: disk.vaultBytes, quotaBytes: disk.quotaBytes, level: disk.level },
    recordingSessionId: recording,
    activeFaults,
  };
}
