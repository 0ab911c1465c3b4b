import type { AuditLog } from '../../src/server/audit/audit-log.js';
import { DbAuditLog } from '../../src/server/audit/db-audit-log.js';

/** The entries of one action in a server's audit log, oldest first (reads the database log). */
export async function auditByAction(audit: AuditLog, action: string) {
  if (!(audit instanceof DbAuditLog)) throw new Error('the server is expected to use the database audit log');
  return (await audit.list({ limit: 100_000 })).filter((e) => e.action === action);
}
