import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The session timeline: every decision of the face and speech checks (issue 7) with its evidence,
 * in order, kept with the session. `source` says who recorded the event (`checks`; the kiosk flow
 * may add its own), `type` is the event's type, `data_json` the whole validated event.
 */
export const m0003: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE session_events (
      session_id TEXT NOT NULL REFERENCES sessions(session_id),
      seq INTEGER NOT NULL CHECK (seq >= 0),
      source TEXT NOT NULL CHECK (length(source) BETWEEN 1 AND 32),
      type TEXT NOT NULL CHECK (length(type) BETWEEN 1 AND 64),
      at TEXT NOT NULL,
      at_sec REAL NOT NULL CHECK (at_sec >= 0),
      data_json TEXT NOT NULL,
      PRIMARY KEY (session_id, seq)
    ) STRICT`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql`DROP TABLE session_events`.execute(db);
  },
};
