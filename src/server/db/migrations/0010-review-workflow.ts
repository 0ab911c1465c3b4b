import { sql, type Kysely } from 'kysely';
import type { PortableMigration } from '../ddl.js';

/**
 * The review workflow (issue 8, src/server/review/workflow/): one review item per archived session,
 * the reviewers' and supervisors' decisions, supervisors' checks of decisions, reviewer presence
 * (heartbeats), webhooks with their delivery outbox, and the HMAC keys of media links.
 */
export const m0010: PortableMigration = (d) => ({
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE review_items (
      session_id TEXT PRIMARY KEY REFERENCES sessions(session_id),
      branch_id TEXT,
      status TEXT NOT NULL CHECK (status IN ('machine_pending', 'passed', 'queued', 'assigned', 'accepted', 'rejected', 'escalated')),
      machine_verdict TEXT CHECK (machine_verdict IN ('pass', 'needs_review', 'fail')),
      finding_codes_json TEXT NOT NULL,
      assignee_id TEXT REFERENCES staff(staff_id),
      assigned_at TEXT,
      due_at TEXT,
      overdue_notified_at TEXT,
      outcome TEXT CHECK (outcome IN ('accepted', 'rejected')),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      CHECK ((status = 'assigned') = (assignee_id IS NOT NULL))
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE INDEX review_items_by_status ON review_items (status, created_at)`.execute(db);
    await sql`CREATE INDEX review_items_by_assignee ON review_items (assignee_id, status)`.execute(db);
    await sql`CREATE TABLE review_decisions (
      decision_id ${sql.raw(d.autoId)},
      session_id TEXT NOT NULL REFERENCES review_items(session_id),
      branch_id TEXT,
      staff_id TEXT NOT NULL REFERENCES staff(staff_id),
      role TEXT NOT NULL CHECK (role IN ('reviewer', 'supervisor')),
      decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'escalate')),
      reasons_json TEXT NOT NULL,
      comment TEXT NOT NULL,
      machine_verdict TEXT NOT NULL CHECK (machine_verdict IN ('pass', 'needs_review', 'fail')),
      assigned_at TEXT,
      decided_at TEXT NOT NULL
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE INDEX review_decisions_by_time ON review_decisions (decided_at)`.execute(db);
    await sql`CREATE INDEX review_decisions_by_session ON review_decisions (session_id)`.execute(db);
    await sql`CREATE TABLE supervisor_checks (
      decision_id ${sql.raw(d.bigint)} PRIMARY KEY REFERENCES review_decisions(decision_id),
      staff_id TEXT NOT NULL REFERENCES staff(staff_id),
      outcome TEXT NOT NULL CHECK (outcome IN ('confirmed', 'overturned')),
      comment TEXT NOT NULL,
      checked_at TEXT NOT NULL
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE TABLE reviewer_presence (
      staff_id TEXT PRIMARY KEY REFERENCES staff(staff_id),
      last_seen_at TEXT NOT NULL,
      last_assigned_at TEXT
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE TABLE webhooks (
      webhook_id TEXT PRIMARY KEY,
      url TEXT NOT NULL,
      events_json TEXT NOT NULL,
      branches_json TEXT,
      secret_wrap_json TEXT NOT NULL,
      created_at TEXT NOT NULL,
      created_by TEXT NOT NULL,
      deleted_at TEXT
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE TABLE webhook_deliveries (
      delivery_id TEXT PRIMARY KEY,
      webhook_id TEXT NOT NULL REFERENCES webhooks(webhook_id),
      event TEXT NOT NULL,
      session_id TEXT NOT NULL,
      payload_json TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
      attempts INTEGER NOT NULL,
      next_attempt_at TEXT NOT NULL,
      last_attempt_at TEXT,
      last_status INTEGER,
      last_error TEXT,
      created_at TEXT NOT NULL,
      delivered_at TEXT
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at)`.execute(db);
    await sql`CREATE INDEX webhook_deliveries_by_hook ON webhook_deliveries (webhook_id, last_attempt_at)`.execute(db);
    await sql`CREATE TABLE media_link_keys (
      kid TEXT PRIMARY KEY,
      secret TEXT NOT NULL,
      created_at TEXT NOT NULL
    ) ${sql.raw(d.strict)}`.execute(db);
  },
});
