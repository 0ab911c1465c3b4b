import type { AuditEvent, AuditLog } from './audit-log.js';

/**
 * An AuditLog that keeps entries in memory, in order, with the time each was appended. Useful in
 * tests (assert on `entries`) and until the database-backed log is wired; it is not durable and
 * not hash-chained, so it is never the log of a production server.
 */
export class MemoryAuditLog implements AuditLog {
  readonly entries: Array<AuditEvent & { at: string }> = [];

  async append(event: AuditEvent): Promise<void> {
    this.entries.push({ ...structuredClone(event), at: new Date().toISOString() });
  }

  /** Entries with the given action, oldest first. */
  byAction(action: string): Array<AuditEvent & { at: string }> {
    return this.entries.filter((e) => e.action === action);
  }
}
