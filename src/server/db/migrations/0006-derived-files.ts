import { sql, type Kysely } from 'kysely';
import type { PortableMigration } from '../ddl.js';

/**
 * Finalize outputs (archive/derived-files.ts): one row per derived file of an archived session
 * (final video, audio copy, thumbnail strip and its index) with its storage key, SHA-256, size and
 * the SHA-256 of the original recording it was made from; and the progress of a running job.
 */
export const m0006: PortableMigration = (d) => ({
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE derived_files (
      session_id TEXT NOT NULL REFERENCES sessions(session_id),
      kind TEXT NOT NULL CHECK (kind IN ('final-video', 'audio', 'thumbnails', 'thumbnail-index')),
      storage_key TEXT NOT NULL UNIQUE,
      media_type TEXT NOT NULL,
      sha256 TEXT NOT NULL,
      bytes ${sql.raw(d.bigint)} NOT NULL,
      duration_sec ${sql.raw(d.real)},
      source_sha256 TEXT NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (session_id, kind)
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`ALTER TABLE jobs ADD COLUMN progress ${sql.raw(d.real)}`.execute(db);
  },
});
