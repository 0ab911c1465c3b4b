import type { Kysely } from 'kysely';
import type { ServerDb } from '../db/schema.js';

/** Tables of migration 0007 (kept beside the SFU code; `sfuDb(db)` adds them to the server schema). */
export type SfuTables = {
  sfu_reservations: {
    reservation_id: string;
    topic: string;
    customer_name: string;
    booth_id: string;
    branch_id: string | null;
    starts_at: string;
    ends_at: string;
    status: 'scheduled' | 'cancelled';
    created_by: string;
    created_at: string;
    cancelled_at: string | null;
  };
  sfu_invitations: {
    invitation_id: string;
    reservation_id: string;
    role: 'remote_staff' | 'reviewer';
    secret_sha256: string;
    expires_at: string;
    created_by: string;
    created_at: string;
    used_by: string | null;
    used_at: string | null;
    revoked_at: string | null;
  };
};

export type SfuDb = Kysely<ServerDb & SfuTables>;

export function sfuDb(db: Kysely<ServerDb>): SfuDb {
  return db.withTables<SfuTables>();
}
