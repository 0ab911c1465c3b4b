import { sql, type Kysely } from 'kysely';
import type { PortableMigration } from '../ddl.js';

/**
 * Per-booth fault log and latest status. A fault report is one row per delivered version of a
 * fault (raised, repeated, cleared); the unique key makes a re-sent report change nothing.
 */
export const m0002: PortableMigration = (d) => ({
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE booth_faults (
      fault_id ${sql.raw(d.autoId)},
      booth_id TEXT NOT NULL REFERENCES booths(booth_id),
      kind TEXT NOT NULL,
      severity TEXT NOT NULL CHECK (severity IN ('warning', 'error', 'critical')),
      message TEXT NOT NULL,
      session_id TEXT,
      session_key TEXT NOT NULL,
      since TEXT NOT NULL,
      last_seen TEXT NOT NULL,
      count INTEGER NOT NULL,
      cleared_at TEXT,
      cleared INTEGER NOT NULL CHECK (cleared IN (0, 1)),
      received_at TEXT NOT NULL,
      UNIQUE (booth_id, kind, session_key, since, count, cleared)
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE INDEX booth_faults_by_booth ON booth_faults (booth_id, received_at)`.execute(db);
    await sql`CREATE TABLE booth_status (
      booth_id TEXT PRIMARY KEY REFERENCES booths(booth_id),
      status_json TEXT NOT NULL,
      reported_at TEXT NOT NULL,
      received_at TEXT NOT NULL
    ) ${sql.raw(d.strict)}`.execute(db);
  },
});
