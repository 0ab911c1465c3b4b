import type { Kysely } from 'kysely';
import { IntegrityError, describeIssues } from '../../../core/errors.js';
import { MachineReport } from '../../../protocol/review.js';
import { canonicalJson } from '../../../core/canonical-json.js';
import type { ServerDb } from '../../db/schema.js';
import type { MachineReports } from '../ports.js';

/** The machine reports in table machine_reports: one per session, validated when read back. */
export class DbMachineReports implements MachineReports {
  constructor(private readonly db: Kysely<ServerDb>) {}

  async get(sessionId: string): Promise<MachineReport | null> {
    const row = await this.db.selectFrom('machine_reports').select(['report_json', 'verdict']).where('session_id', '=', sessionId).executeTakeFirst();
    if (!row) return null;
    let json: unknown;
    try {
      json = JSON.parse(row.report_json);
    } catch {
      throw new IntegrityError('review.report_invalid', `the stored machine report of session ${sessionId} is not JSON`);
    }
    const r = MachineReport.safeParse(json);
    if (!r.success) throw new IntegrityError('review.report_invalid', `the stored machine report of session ${sessionId} does not validate: ${describeIssues(r.error.issues)}`);
    if (r.data.sessionId !== sessionId || r.data.verdict !== row.verdict) throw new IntegrityError('review.report_invalid', `the stored machine report of session ${sessionId} disagrees with its row`);
    return r.data;
  }

  /** Stores (or replaces, for a re-run) the report of its session. */
  async put(report: MachineReport): Promise<void> {
    const valid = MachineReport.parse(report);
    const values = { verdict: valid.verdict, report_json: canonicalJson(valid), source_sha256: valid.sourceSha256, created_at: valid.createdAt };
    await this.db
      .insertInto('machine_reports')
      .values({ session_id: valid.sessionId, ...values })
      .onConflict((oc) => oc.column('session_id').doUpdateSet(values))
      .execute();
  }
}
