import type { Kysely, Selectable } from 'kysely';
import { Fault, FaultReport } from '../../protocol/faults.js';
import { DualrecError, describeIssues } from '../../core/errors.js';
import type { BoothDb } from '../db/schema.js';

/** Where faults persist until the server has them. */
export interface FaultStore {
  /** Active faults as of the last run (cleared ones are not returned). */
  loadActive(): Promise<Fault[]>;
  /** Writes the fault's latest state and bumps its version (so it is delivered again). */
  save(fault: Fault, clearedAt: string | null): Promise<void>;
  /** Faults whose latest version the server does not have yet, oldest change first. */
  undelivered(limit: number): Promise<Array<{ report: FaultReport; version: number }>>;
  /** Records that the server has these versions; deletes cleared faults it now knows about. */
  markDelivered(items: Array<{ report: FaultReport; version: number }>): Promise<void>;
}

const sessionKey = (sessionId: string | null) => sessionId ?? '';

/** FaultStore in the booth database (`faults` table, migration 0002). Rows read back are validated. */
export class SqliteFaultStore implements FaultStore {
  constructor(private readonly db: Kysely<BoothDb>) {}

  async loadActive(): Promise<Fault[]> {
    const rows = await this.db.selectFrom('faults').selectAll().where('cleared_at', 'is', null).execute();
    return rows.map((r) => parseRow(Fault, toFault(r)));
  }

  async save(fault: Fault, clearedAt: string | null): Promise<void> {
    const values = {
      kind: fault.kind,
      session_key: sessionKey(fault.sessionId),
      severity: fault.severity,
      message: fault.message,
      session_id: fault.sessionId,
      since: fault.since,
      last_seen: fault.lastSeen,
      count: fault.count,
      cleared_at: clearedAt,
    };
    await this.db
      .insertInto('faults')
      .values({ ...values, version: 1 })
      .onConflict((oc) => oc.columns(['kind', 'session_key']).doUpdateSet((eb) => ({ ...values, version: eb('faults.version', '+', 1) })))
      .execute();
  }

  async undelivered(limit: number): Promise<Array<{ report: FaultReport; version: number }>> {
    const rows = await this.db.selectFrom('faults').selectAll().whereRef('delivered_version', '<', 'version').orderBy('last_seen').limit(limit).execute();
    return rows.map((r) => ({ report: parseRow(FaultReport, { ...toFault(r), clearedAt: r.cleared_at }), version: r.version }));
  }

  async markDelivered(items: Array<{ report: FaultReport; version: number }>): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      for (const { report, version } of items) {
        const key = sessionKey(report.sessionId);
        await tx.updateTable('faults').set({ delivered_version: version }).where('kind', '=', report.kind).where('session_key', '=', key).where('version', '=', version).execute();
        await tx.deleteFrom('faults').where('kind', '=', report.kind).where('session_key', '=', key).where('cleared_at', 'is not', null).whereRef('delivered_version', '=', 'version').execute();
      }
    });
  }
}

function toFault(r: Pick<Selectable<BoothDb['faults']>, 'kind' | 'severity' | 'message' | 'session_id' | 'since' | 'last_seen' | 'count'>): Record<string, unknown> {
  return { kind: r.kind, severity: r.severity, message: r.message, sessionId: r.session_id, since: r.since, lastSeen: r.last_seen, count: r.count };
}

function parseRow<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } } }, v: unknown): T {
  const r = schema.safeParse(v);
  if (!r.success) throw new DualrecError('db.bad_row', `a stored fault does not read back: ${describeIssues(r.error.issues)}`);
  return r.data;
}
