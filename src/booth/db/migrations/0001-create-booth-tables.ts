import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

export const m0001: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE booth_identity (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      booth_id TEXT NOT NULL,
      token TEXT NOT NULL,
      archive_public_key TEXT NOT NULL,
      archive_key_id TEXT NOT NULL,
      server_url TEXT NOT NULL,
      enrolled_at TEXT NOT NULL
    ) STRICT`.execute(db);
    await sql`CREATE TABLE sessions (
      session_id TEXT PRIMARY KEY,
      product_id TEXT NOT NULL,
      phase TEXT NOT NULL,
      started_at TEXT NOT NULL,
      ended_at TEXT,
      end_reason TEXT,
      key_wrap_json TEXT NOT NULL,
      genesis_link TEXT NOT NULL,
      last_link TEXT NOT NULL,
      media_sec REAL NOT NULL DEFAULT 0,
      manifest_json TEXT,
      signature TEXT,
      server_registered INTEGER NOT NULL DEFAULT 0,
      server_finished INTEGER NOT NULL DEFAULT 0,
      archived_at TEXT,
      error TEXT,
      created_at TEXT NOT NULL
    ) STRICT`.execute(db);
    await sql`CREATE TABLE segments (
      session_id TEXT NOT NULL REFERENCES sessions(session_id),
      seq INTEGER NOT NULL,
      file TEXT NOT NULL,
      cipher_sha256 TEXT NOT NULL,
      plain_sha256 TEXT NOT NULL,
      prev_link TEXT NOT NULL,
      link TEXT NOT NULL,
      bytes INTEGER NOT NULL,
      start_sec REAL NOT NULL,
      duration_sec REAL NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('sealed', 'acknowledged')),
      attempts INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      ack_segment_id TEXT,
      ack_sha256 TEXT,
      ack_at TEXT,
      sealed_at TEXT NOT NULL,
      PRIMARY KEY (session_id, seq)
    ) STRICT`.execute(db);
    await sql`CREATE INDEX segments_by_state ON segments (state, session_id, seq)`.execute(db);
  },
};
