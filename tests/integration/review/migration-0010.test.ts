// Migration 0010 on a server database of the previous version with an archived session in it: the
// session gets its review item from the workflow's sweep, and the new tables hold their constraints.
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { Migrator } from 'kysely/migration';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openSqlite } from '../../../src/platform/db.js';
import { serverMigrations } from '../../../src/server/db/migrations/index.js';
import type { ServerDb } from '../../../src/server/db/schema.js';
import { openReviewFixture } from '../../helpers/review-fixture.js';

const SID = '6f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a10';
const T0 = '2026-01-02T03:04:05.000Z';
const h = (c: string) => c.repeat(64);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-m0010-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('0010 keeps archived sessions, which get a machine_pending review item; its tables hold their constraints', async () => {
  const path = join(dir, 'server.sqlite');
  const before = Object.fromEntries(Object.entries(serverMigrations()).filter(([name]) => name < '0010'));
  const old = new Kysely<Record<string, Record<string, unknown>>>({ dialect: new SqliteDialect({ database: new Database(path) }) });
  const { error } = await new Migrator({ db: old, provider: { getMigrations: async () => before } }).migrateToLatest();
  if (error) throw error;
  await old.insertInto('branches').values({ branch_id: 'br-a', name: 'A', created_at: T0 }).execute();
  await old.insertInto('booths').values({ booth_id: SID, name: 'b', public_key: 'k', token_sha256: h('1'), enrolled_at: T0, branch_id: 'br-a' }).execute();
  await old.insertInto('sessions').values({ session_id: SID, booth_id: SID, product_id: 'p', status: 'archived', started_at: T0, key_wrap_json: '{}', created_at: T0 }).execute();
  await old.insertInto('archives').values({ session_id: SID, mp4_key: 'a', mp4_sha256: h('2'), mp4_bytes: 1, record_key: 'r', duration_sec: 4, archived_at: T0 }).execute();
  await old.destroy();

  const db = await openSqlite<ServerDb>(path, serverMigrations());
  const f = await openReviewFixture(db);
  try {
    expect(await f.workflow.sweep()).toMatchObject({ created: 1 });
    const item = await db.selectFrom('review_items').selectAll().executeTakeFirstOrThrow();
    expect(item).toMatchObject({ session_id: SID, branch_id: 'br-a', status: 'machine_pending', assignee_id: null });
    const base = { ...item, session_id: SID };
    await expect(db.updateTable('review_items').set({ status: 'done' }).execute()).rejects.toThrow(/CHECK constraint failed/);
    await expect(db.updateTable('review_items').set({ status: 'assigned' }).execute()).rejects.toThrow(/CHECK constraint failed/); // assigned needs an assignee
    await expect(db.insertInto('review_items').values({ ...base, session_id: 'nobody' }).execute()).rejects.toThrow(/FOREIGN KEY constraint failed/);
    const decision = { session_id: SID, branch_id: 'br-a', staff_id: 'nobody', role: 'reviewer', decision: 'accept', reasons_json: '[]', comment: '', machine_verdict: 'pass', assigned_at: null, decided_at: T0 };
    await expect(db.insertInto('review_decisions').values(decision).execute()).rejects.toThrow(/FOREIGN KEY constraint failed/);
    const s = await f.staff({ branches: ['br-a'] });
    await expect(db.insertInto('review_decisions').values({ ...decision, staff_id: s.staffId, decision: 'maybe' }).execute()).rejects.toThrow(/CHECK constraint failed/);
    await expect(db.insertInto('webhook_deliveries').values({ delivery_id: 'd', webhook_id: 'none', event: 'review.overdue', session_id: SID, payload_json: '{}', state: 'pending', attempts: 0, next_attempt_at: T0, last_attempt_at: null, last_status: null, last_error: null, created_at: T0, delivered_at: null }).execute()).rejects.toThrow(/FOREIGN KEY constraint failed/);
  } finally {
    await f.close();
    await db.destroy();
  }
});
