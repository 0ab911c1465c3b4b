import { sql, type Kysely } from 'kysely';
import type { PortableMigration } from '../ddl.js';

/**
 * Machine review and screenshots (issue 8). `machine_reports`: one MachineReport per session (JSON,
 * validated on read; a re-run replaces the row, never the evidence). `screenshots`: frames sampled
 * from the recording as its segments arrive (JPEG in the blob store under the session's archive
 * prefix) with the face detector's flags. `screenshot_cursors`: the sampler's place per session
 * (the next segment to sample), so a restart resumes where it stopped.
 */
export const m0009: PortableMigration = (d) => ({
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE machine_reports (
      session_id TEXT PRIMARY KEY REFERENCES sessions(session_id),
      verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'needs_review', 'fail')),
      report_json TEXT NOT NULL,
      source_sha256 TEXT NOT NULL,
      created_at TEXT NOT NULL
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE TABLE screenshots (
      screenshot_id ${sql.raw(d.autoId)},
      session_id TEXT NOT NULL REFERENCES sessions(session_id),
      at_sec ${sql.raw(d.real)} NOT NULL,
      at TEXT NOT NULL,
      storage_key TEXT NOT NULL UNIQUE,
      sha256 TEXT NOT NULL,
      bytes INTEGER NOT NULL,
      width INTEGER NOT NULL,
      height INTEGER NOT NULL,
      faces INTEGER,
      distance ${sql.raw(d.real)},
      flags_json TEXT NOT NULL,
      created_at TEXT NOT NULL,
      UNIQUE (session_id, at_sec)
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE TABLE screenshot_cursors (
      session_id TEXT PRIMARY KEY REFERENCES sessions(session_id),
      next_seq INTEGER NOT NULL,
      skipped INTEGER NOT NULL,
      last_error TEXT,
      updated_at TEXT NOT NULL
    ) ${sql.raw(d.strict)}`.execute(db);
  },
});
