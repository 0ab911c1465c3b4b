import { sql, type Kysely } from 'kysely';
import type { PortableMigration } from '../ddl.js';

/**
 * Fleet management (issue 10). Remote config layers: one row per change of a branch's or a booth's
 * settings (never updated; the newest row of a scope is its current layer, and `change_id` is the
 * fleet-wide config version). Releases with one artifact per platform (bytes in the blob store,
 * SHA-512 computed once at upload), and the update outcomes booths report.
 */
export const m0008: PortableMigration = (d) => ({
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE fleet_config_changes (
      change_id ${sql.raw(d.autoId)},
      scope_kind TEXT NOT NULL CHECK (scope_kind IN ('branch', 'booth')),
      scope_id TEXT NOT NULL,
      layer_version INTEGER NOT NULL CHECK (layer_version >= 1),
      settings_json TEXT NOT NULL,
      comment TEXT,
      created_at TEXT NOT NULL,
      created_by TEXT NOT NULL,
      UNIQUE (scope_kind, scope_id, layer_version)
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE TABLE fleet_releases (
      release_id TEXT PRIMARY KEY,
      version TEXT NOT NULL UNIQUE,
      channel TEXT NOT NULL CHECK (channel IN ('stable', 'pilot')),
      notes TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('draft', 'active', 'paused', 'rolled_back')),
      rollout_percent INTEGER NOT NULL CHECK (rollout_percent BETWEEN 0 AND 100),
      rollout_branches_json TEXT,
      created_at TEXT NOT NULL,
      created_by TEXT NOT NULL,
      published_at TEXT,
      updated_at TEXT NOT NULL
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE TABLE fleet_release_artifacts (
      release_id TEXT NOT NULL REFERENCES fleet_releases(release_id),
      platform TEXT NOT NULL CHECK (platform IN ('linux', 'win', 'mac')),
      file_name TEXT NOT NULL,
      storage_key TEXT NOT NULL UNIQUE,
      sha512 TEXT NOT NULL,
      size ${sql.raw(d.bigint)} NOT NULL CHECK (size > 0),
      uploaded_at TEXT NOT NULL,
      uploaded_by TEXT NOT NULL,
      PRIMARY KEY (release_id, platform)
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE TABLE fleet_update_events (
      event_id ${sql.raw(d.autoId)},
      booth_id TEXT NOT NULL REFERENCES booths(booth_id),
      version TEXT NOT NULL,
      outcome TEXT NOT NULL CHECK (outcome IN ('downloaded', 'download-failed', 'installing', 'install-failed', 'installed', 'start-failed')),
      message TEXT,
      at TEXT NOT NULL,
      received_at TEXT NOT NULL,
      UNIQUE (booth_id, version, outcome, at)
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE INDEX fleet_update_events_by_booth ON fleet_update_events (booth_id, event_id)`.execute(db);
  },
});
