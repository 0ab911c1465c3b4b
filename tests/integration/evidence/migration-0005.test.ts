// Migration 0005 on a server database of the previous version with archived sessions in it: rows
// survive, and the evidence tables hold their constraints.
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

const SID = '6f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01';
const T0 = '2026-01-02T03:04:05.000Z';
const h = (c: string) => c.repeat(64);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-m0005-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('0005 keeps archived sessions and adds audit_log, evidence_retention and legal_holds with their constraints', async () => {
  const path = join(dir, 'server.sqlite');
  const before = Object.fromEntries(Object.entries(serverMigrations()).filter(([name]) => name < '0005'));
  const old = new Kysely<Record<string, Record<string, unknown>>>({ dialect: new SqliteDialect({ database: new Database(path) }) });
  const { error } = await new Migrator({ db: old, provider: { getMigrations: async () => before } }).migrateToLatest();
  if (error) throw error;
  await old.insertInto('booths').values({ booth_id: SID, name: 'b', public_key: 'k', token_sha256: h('1'), enrolled_at: T0 }).execute();
  await old.insertInto('sessions').values({ session_id: SID, booth_id: SID, product_id: 'p', status: 'archived', started_at: T0, key_wrap_json: '{}', created_at: T0 }).execute();
  await old.insertInto('archives').values({ session_id: SID, mp4_key: 'a', mp4_sha256: h('2'), mp4_bytes: 1, record_key: 'r', duration_sec: 4, archived_at: T0 }).execute();
  await old.destroy();

  const db = await openSqlite<ServerDb>(path, serverMigrations());
  try {
    expect(await db.selectFrom('archives').select('session_id').execute()).toEqual([{ session_id: SID }]);
    const entry = { seq: 1, at: T0, actor: 'system', action: 'a.b', target: 't', branch_id: null, details_json: '{}', content_sha256: h('3'), prev_hash: h('4'), entry_hash: h('5') };
    await db.insertInto('audit_log').values(entry).execute();
    await expect(db.insertInto('audit_log').values({ ...entry, entry_hash: h('6') }).execute()).rejects.toThrow(/UNIQUE constraint failed: audit_log.seq/);
    await expect(db.insertInto('audit_log').values({ ...entry, seq: 2, entry_hash: h('6') }).execute()).rejects.toThrow(/UNIQUE constraint failed: audit_log.prev_hash/);
    await expect(db.insertInto('audit_log').values({ ...entry, seq: 0, prev_hash: h('7'), entry_hash: h('8') }).execute()).rejects.toThrow(/CHECK constraint failed/);
    const r = { session_id: SID, branch_id: null, retention_class: 'banking-wm', archived_at: T0, retain_until: T0, active_holds: 0, store_hold: 0, files_protected_at: null, deletion_started_at: null, deleted_at: null, deleted_by: null, recorded_at: T0 };
    await expect(db.insertInto('evidence_retention').values({ ...r, retention_class: 'forever' }).execute()).rejects.toThrow(/CHECK constraint failed/);
    await expect(db.insertInto('evidence_retention').values({ ...r, session_id: 'nobody' }).execute()).rejects.toThrow(/FOREIGN KEY constraint failed/);
    await db.insertInto('evidence_retention').values(r).execute();
    await expect(db.updateTable('evidence_retention').set({ active_holds: -1 }).execute()).rejects.toThrow(/CHECK constraint failed/);
    const hold = { hold_id: 'h1', session_id: SID, reason: 'x', set_by: 'system', set_at: T0, released_by: null, released_at: null, release_reason: null };
    await db.insertInto('legal_holds').values(hold).execute();
    // A release names who, when and why, all together.
    await expect(db.updateTable('legal_holds').set({ released_at: T0 }).execute()).rejects.toThrow(/CHECK constraint failed/);
    await expect(db.insertInto('legal_holds').values({ ...hold, hold_id: 'h2', session_id: 'nobody' }).execute()).rejects.toThrow(/FOREIGN KEY constraint failed/);
  } finally {
    await db.destroy();
  }
});
