import { sql, type Kysely } from 'kysely';
import type { PortableMigration } from '../ddl.js';

/**
 * Evidence immutability: the hash-chained audit log, one retention record per archived session,
 * and legal holds.
 *
 * - audit_log: `seq` is assigned by the appender (head + 1) and is the primary key, and
 *   `prev_hash` is UNIQUE, so two instances appending at once can never fork the chain: the
 *   second insert fails and is retried on the new head. Rows are never updated or deleted.
 * - evidence_retention: `active_holds` counts the session's unreleased holds; it is changed in
 *   the same transaction as legal_holds, so deletion can test "expired and not held" in one
 *   conditional UPDATE that a concurrent hold cannot slip past (also on PostgreSQL).
 *   `files_protected_at` is set once every stored file carries the retention date, and
 *   `store_hold` is the legal hold flag last applied to the files; a sweep finishes either when
 *   a crash interrupted it.
 */
export const m0005: PortableMigration = (d) => ({
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE audit_log (
      seq ${sql.raw(d.bigint)} PRIMARY KEY CHECK (seq >= 1),
      at TEXT NOT NULL,
      actor TEXT NOT NULL,
      action TEXT NOT NULL,
      target TEXT NOT NULL,
      branch_id TEXT,
      details_json TEXT NOT NULL,
      content_sha256 TEXT NOT NULL,
      prev_hash TEXT NOT NULL UNIQUE,
      entry_hash TEXT NOT NULL UNIQUE
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE INDEX audit_log_by_target ON audit_log (target, seq)`.execute(db);
    await sql`CREATE INDEX audit_log_by_branch ON audit_log (branch_id, seq)`.execute(db);
    await sql`CREATE TABLE evidence_retention (
      session_id TEXT PRIMARY KEY REFERENCES sessions(session_id),
      branch_id TEXT,
      retention_class TEXT NOT NULL CHECK (retention_class IN ('banking-wm', 'insurance-5y', 'insurance-10y', 'long-term')),
      archived_at TEXT NOT NULL,
      retain_until TEXT NOT NULL,
      active_holds INTEGER NOT NULL DEFAULT 0 CHECK (active_holds >= 0),
      store_hold INTEGER NOT NULL DEFAULT 0 CHECK (store_hold IN (0, 1)),
      files_protected_at TEXT,
      deletion_started_at TEXT,
      deleted_at TEXT,
      deleted_by TEXT,
      recorded_at TEXT NOT NULL
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE INDEX evidence_retention_due ON evidence_retention (retain_until)`.execute(db);
    await sql`CREATE INDEX evidence_retention_by_branch ON evidence_retention (branch_id, archived_at)`.execute(db);
    await sql`CREATE TABLE legal_holds (
      hold_id TEXT PRIMARY KEY,
      session_id TEXT NOT NULL REFERENCES evidence_retention(session_id),
      reason TEXT NOT NULL,
      set_by TEXT NOT NULL,
      set_at TEXT NOT NULL,
      released_by TEXT,
      released_at TEXT,
      release_reason TEXT,
      CHECK ((released_at IS NULL AND released_by IS NULL AND release_reason IS NULL) OR (released_at IS NOT NULL AND released_by IS NOT NULL AND release_reason IS NOT NULL))
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE INDEX legal_holds_by_session ON legal_holds (session_id, set_at)`.execute(db);
  },
});
