import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The kiosk's guided flows (issue 6): one row per flow, its timeline events in order, and the
 * customer lookup cache for offline use (keyed by a hash of the identifier, never the ID number).
 * A flow's `session_id` is set when its recording starts; the session's manifest carries the
 * timeline of the flow that recorded it.
 */
export const m0004: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE kiosk_flows (
      flow_id TEXT PRIMARY KEY,
      session_id TEXT UNIQUE REFERENCES sessions(session_id),
      step TEXT NOT NULL,
      state_json TEXT NOT NULL,
      started_at TEXT NOT NULL,
      ended_at TEXT,
      outcome TEXT CHECK (outcome IS NULL OR outcome IN ('completed', 'aborted', 'cancelled', 'interrupted'))
    ) STRICT`.execute(db);
    await sql`CREATE INDEX kiosk_flows_open ON kiosk_flows (ended_at, started_at)`.execute(db);
    await sql`CREATE TABLE kiosk_timeline (
      flow_id TEXT NOT NULL REFERENCES kiosk_flows(flow_id),
      seq INTEGER NOT NULL CHECK (seq >= 0),
      at TEXT NOT NULL,
      type TEXT NOT NULL,
      event_json TEXT NOT NULL,
      PRIMARY KEY (flow_id, seq)
    ) STRICT`.execute(db);
    await sql`CREATE TABLE kiosk_customer_cache (
      key_sha256 TEXT PRIMARY KEY,
      summary_json TEXT NOT NULL,
      cached_at TEXT NOT NULL
    ) STRICT`.execute(db);
  },
};
