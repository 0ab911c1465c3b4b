import { sql, type Kysely } from 'kysely';
import type { PortableMigration } from '../ddl.js';

/**
 * Authentication and authorisation: branches, staff accounts, staff login sessions (checked on
 * every request, so logout and disable revoke at once on every instance), the token signing keys
 * every instance shares, and the cluster-wide failed-login counters. Booths and enrollment codes
 * get a branch; booths enrolled before this migration keep a NULL branch (head-office staff only).
 */
export const m0003: PortableMigration = (d) => ({
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE branches (
      branch_id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      created_at TEXT NOT NULL
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE TABLE staff (
      staff_id TEXT PRIMARY KEY,
      username TEXT NOT NULL UNIQUE,
      password_hash TEXT NOT NULL,
      roles_json TEXT NOT NULL,
      branches_json TEXT NOT NULL,
      disabled INTEGER NOT NULL CHECK (disabled IN (0, 1)),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      created_by TEXT NOT NULL
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE TABLE staff_sessions (
      session_id TEXT PRIMARY KEY,
      staff_id TEXT NOT NULL REFERENCES staff(staff_id),
      created_at TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      revoked_at TEXT,
      ip TEXT NOT NULL
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE INDEX staff_sessions_by_staff ON staff_sessions (staff_id)`.execute(db);
    await sql`CREATE TABLE auth_signing_keys (
      kid TEXT PRIMARY KEY,
      secret TEXT NOT NULL,
      created_at TEXT NOT NULL
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE TABLE login_failures (
      username TEXT PRIMARY KEY,
      window_start TEXT NOT NULL,
      failures INTEGER NOT NULL
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`ALTER TABLE booths ADD COLUMN branch_id TEXT REFERENCES branches(branch_id)`.execute(db);
    await sql`ALTER TABLE enrollment_codes ADD COLUMN branch_id TEXT REFERENCES branches(branch_id)`.execute(db);
    await sql`ALTER TABLE enrollment_codes ADD COLUMN created_by TEXT`.execute(db);
  },
});
