import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The full segment lifecycle (src/core/segment-machine.ts): sealed, uploading, acknowledged,
 * purged, failed, quarantined. SQLite cannot alter a CHECK constraint, so the table is rebuilt
 * and every row copied; `state_changed_at` starts at the acknowledgement or seal time.
 * Also adds the booth's persisted faults (kept until the server has them).
 */
export const m0002: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE segments_v2 (
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
      state TEXT NOT NULL CHECK (state IN ('sealed', 'uploading', 'acknowledged', 'purged', 'failed', 'quarantined')),
      attempts INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      next_attempt_at TEXT,
      ack_segment_id TEXT,
      ack_sha256 TEXT,
      ack_at TEXT,
      sealed_at TEXT NOT NULL,
      state_changed_at TEXT NOT NULL,
      purged_at TEXT,
      PRIMARY KEY (session_id, seq),
      CHECK (state NOT IN ('acknowledged', 'purged') OR (ack_segment_id IS NOT NULL AND ack_sha256 IS NOT NULL AND ack_at IS NOT NULL))
    ) STRICT`.execute(db);
    await sql`INSERT INTO segments_v2 (session_id, seq, file, cipher_sha256, plain_sha256, prev_link, link, bytes, start_sec, duration_sec,
        state, attempts, last_error, next_attempt_at, ack_segment_id, ack_sha256, ack_at, sealed_at, state_changed_at, purged_at)
      SELECT session_id, seq, file, cipher_sha256, plain_sha256, prev_link, link, bytes, start_sec, duration_sec,
        state, attempts, last_error, NULL, ack_segment_id, ack_sha256, ack_at, sealed_at, COALESCE(ack_at, sealed_at), NULL
      FROM segments`.execute(db);
    await sql`DROP TABLE segments`.execute(db);
    await sql`ALTER TABLE segments_v2 RENAME TO segments`.execute(db);
    await sql`CREATE INDEX segments_by_state ON segments (state, session_id, seq)`.execute(db);
    await sql`CREATE TABLE faults (
      kind TEXT NOT NULL,
      session_key TEXT NOT NULL,
      severity TEXT NOT NULL,
      message TEXT NOT NULL,
      session_id TEXT,
      since TEXT NOT NULL,
      last_seen TEXT NOT NULL,
      count INTEGER NOT NULL,
      cleared_at TEXT,
      version INTEGER NOT NULL,
      delivered_version INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (kind, session_key)
    ) STRICT`.execute(db);
  },
};
