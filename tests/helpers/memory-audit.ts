import type { AuditEvent, AuditLog } from '../../src/server/audit/audit-log.js';

/** An in-memory AuditLog the tests assert on (a real implementation of the interface, not durable). */
export class MemoryAuditLog implements AuditLog {
  readonly entries: AuditEvent[] = [];

  async append(event: AuditEvent): Promise<void> {
    this.entries.push(structuredClone(event));
  }

  byAction(action: string): AuditEvent[] {
    return this.entries.filter((e) => e.action === action);
  }
}
