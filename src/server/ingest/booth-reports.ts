import type { Kysely } from 'kysely';
import { canonicalJson } from '../../core/canonical-json.js';
import { BoothStatusReport, type BoothStatusResponse, type FaultReportRequest, type FaultReportResponse } from '../../protocol/server-api.js';
import { FaultReport } from '../../protocol/faults.js';
import type { Logger } from '../../platform/log.js';
import type { ServerDb } from '../db/schema.js';
import type { AuthedBooth } from './auth.js';

export interface BoothFaultLogEntry extends FaultReport {
  receivedAt: string;
}

/**
 * Faults and status the booths report. Each delivered fault version becomes a row of the booth's
 * fault log (a repeat of the same version is ignored); the latest status replaces the previous one.
 */
export class BoothReports {
  constructor(
    private readonly db: Kysely<ServerDb>,
    private readonly log: Logger,
  ) {}

  async recordFaults(booth: AuthedBooth, req: FaultReportRequest): Promise<FaultReportResponse> {
    const receivedAt = new Date().toISOString();
    let accepted = 0;
    await this.db.transaction().execute(async (tx) => {
      for (const f of req.faults) {
        const r = await tx
          .insertInto('booth_faults')
          .values({
            booth_id: booth.boothId,
            kind: f.kind,
            severity: f.severity,
            message: f.message,
            session_id: f.sessionId,
            session_key: f.sessionId ?? '',
            since: f.since,
            last_seen: f.lastSeen,
            count: f.count,
            cleared_at: f.clearedAt,
            cleared: f.clearedAt === null ? 0 : 1,
            received_at: receivedAt,
          })
          .onConflict((oc) => oc.doNothing())
          .executeTakeFirst();
        accepted += Number(r.numInsertedOrUpdatedRows ?? 0);
      }
    });
    for (const f of req.faults) {
      this.log.info({ boothId: booth.boothId, kind: f.kind, severity: f.severity, sessionId: f.sessionId, cleared: f.clearedAt !== null, count: f.count }, f.clearedAt ? 'booth fault cleared' : 'booth fault');
    }
    return { accepted };
  }

  async recordStatus(booth: AuthedBooth, report: BoothStatusReport): Promise<BoothStatusResponse> {
    const receivedAt = new Date().toISOString();
    const row = { booth_id: booth.boothId, status_json: canonicalJson(report), reported_at: report.at, received_at: receivedAt };
    await this.db
      .insertInto('booth_status')
      .values(row)
      .onConflict((oc) => oc.column('booth_id').doUpdateSet({ status_json: row.status_json, reported_at: row.reported_at, received_at: receivedAt }))
      .execute();
    return { receivedAt };
  }

  /** The booth's fault log, newest first. */
  async faultLog(boothId: string, limit = 500): Promise<BoothFaultLogEntry[]> {
    const rows = await this.db.selectFrom('booth_faults').selectAll().where('booth_id', '=', boothId).orderBy('fault_id', 'desc').limit(limit).execute();
    return rows.map((r) => ({
      ...FaultReport.parse({ kind: r.kind, severity: r.severity, message: r.message, sessionId: r.session_id, since: r.since, lastSeen: r.last_seen, count: r.count, clearedAt: r.cleared_at }),
      receivedAt: r.received_at,
    }));
  }

  /** The booth's latest status report, or null. */
  async latestStatus(boothId: string): Promise<{ status: BoothStatusReport; receivedAt: string } | null> {
    const r = await this.db.selectFrom('booth_status').selectAll().where('booth_id', '=', boothId).executeTakeFirst();
    return r ? { status: BoothStatusReport.parse(JSON.parse(r.status_json)), receivedAt: r.received_at } : null;
  }
}
