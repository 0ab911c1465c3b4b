import { sql, type Kysely } from 'kysely';
import type { PortableMigration } from '../ddl.js';

export const m0001: PortableMigration = (d) => ({
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE booths (
      booth_id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      public_key TEXT NOT NULL,
      token_sha256 TEXT NOT NULL UNIQUE,
      enrolled_at TEXT NOT NULL
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE TABLE enrollment_codes (
      code_sha256 TEXT PRIMARY KEY,
      created_at TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      used_at TEXT,
      booth_id TEXT REFERENCES booths(booth_id)
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE TABLE sessions (
      session_id TEXT PRIMARY KEY,
      booth_id TEXT NOT NULL REFERENCES booths(booth_id),
      product_id TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('recording', 'finishing', 'archiving', 'archived', 'failed')),
      started_at TEXT NOT NULL,
      ended_at TEXT,
      key_wrap_json TEXT NOT NULL,
      manifest_json TEXT,
      signature TEXT,
      failure TEXT,
      created_at TEXT NOT NULL
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE TABLE segments (
      segment_id TEXT PRIMARY KEY,
      session_id TEXT NOT NULL REFERENCES sessions(session_id),
      seq INTEGER NOT NULL,
      sha256 TEXT NOT NULL,
      prev_link TEXT NOT NULL,
      link TEXT NOT NULL,
      bytes ${sql.raw(d.bigint)} NOT NULL,
      storage_key TEXT NOT NULL,
      received_at TEXT NOT NULL,
      UNIQUE (session_id, seq)
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE TABLE jobs (
      job_id ${sql.raw(d.autoId)},
      kind TEXT NOT NULL,
      session_id TEXT NOT NULL REFERENCES sessions(session_id),
      state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
      attempts INTEGER NOT NULL DEFAULT 0,
      run_after TEXT NOT NULL,
      last_error TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE INDEX jobs_ready ON jobs (state, run_after)`.execute(db);
    await sql`CREATE TABLE archives (
      session_id TEXT PRIMARY KEY REFERENCES sessions(session_id),
      mp4_key TEXT NOT NULL,
      mp4_sha256 TEXT NOT NULL,
      mp4_bytes ${sql.raw(d.bigint)} NOT NULL,
      record_key TEXT NOT NULL,
      duration_sec ${sql.raw(d.real)} NOT NULL,
      archived_at TEXT NOT NULL
    ) ${sql.raw(d.strict)}`.execute(db);
  },
});
