import { sql, type Kysely } from 'kysely';
import type { PortableMigration } from '../ddl.js';

/**
 * Remote assistance (issue 9): reservations of a remote session with a booth (the reservation id
 * is the room id) and invitation links to them. An invitation stores only the SHA-256 of its
 * secret; it is redeemed by one staff account (`used_by`), ends at `expires_at` or when revoked.
 */
export const m0007: PortableMigration = (d) => ({
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE sfu_reservations (
      reservation_id TEXT PRIMARY KEY,
      topic TEXT NOT NULL,
      customer_name TEXT NOT NULL,
      booth_id TEXT NOT NULL REFERENCES booths(booth_id),
      branch_id TEXT REFERENCES branches(branch_id),
      starts_at TEXT NOT NULL,
      ends_at TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
      created_by TEXT NOT NULL,
      created_at TEXT NOT NULL,
      cancelled_at TEXT,
      CHECK (ends_at > starts_at)
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE INDEX sfu_reservations_by_booth ON sfu_reservations (booth_id, starts_at)`.execute(db);
    await sql`CREATE INDEX sfu_reservations_by_start ON sfu_reservations (starts_at)`.execute(db);
    await sql`CREATE TABLE sfu_invitations (
      invitation_id TEXT PRIMARY KEY,
      reservation_id TEXT NOT NULL REFERENCES sfu_reservations(reservation_id),
      role TEXT NOT NULL CHECK (role IN ('remote_staff', 'reviewer')),
      secret_sha256 TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      created_by TEXT NOT NULL,
      created_at TEXT NOT NULL,
      used_by TEXT,
      used_at TEXT,
      revoked_at TEXT,
      CHECK ((used_by IS NULL) = (used_at IS NULL))
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE INDEX sfu_invitations_by_reservation ON sfu_invitations (reservation_id)`.execute(db);
  },
});
