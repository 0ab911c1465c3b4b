/**
 * True when `err` means "another writer got there first; run the transaction again": on SQLite a
 * stale read snapshot upgraded to a write (SQLITE_BUSY_SNAPSHOT) or a lock not obtained within the
 * busy timeout (SQLITE_BUSY), or the audit log's UNIQUE seq / prev_hash taken; on PostgreSQL a
 * unique violation on audit_log (23505), a serialization failure (40001) or a deadlock (40P01).
 */
export function isAuditWriteConflict(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; message?: unknown; table?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED') return true;
  if (code.startsWith('SQLITE_CONSTRAINT')) return /audit_log\.(seq|prev_hash|entry_hash)/.test(message);
  if (code === '40001' || code === '40P01') return true;
  if (code === '23505') return e.table === 'audit_log' || /audit_log/.test(message);
  return false;
}
