// Each numbered migration applied to a database of the previous version with rows in it
// (real SQLite files): rows survive, new constraints hold.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boothMigrations } from '../../src/booth/db/migrations/index.js';
import type { BoothDb } from '../../src/booth/db/schema.js';
import { openSqlite } from '../../src/platform/db.js';
import { serverMigrations } from '../../src/server/db/migrations/index.js';
import type { ServerDb } from '../../src/server/db/schema.js';
import type { SfuTables } from '../../src/server/sfu/sfu-db.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-migrate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Opens `path` migrated only up to (and including) `last`. */
async function openAt(path: string, all: Record<string, Migration>, last: string): Promise<Kysely<unknown>> {
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(path) }) });
  const upTo = Object.fromEntries(Object.entries(all).filter(([name]) => name <= last));
  const { error } = await new Migrator({ db, provider: { getMigrations: async () => upTo } }).migrateToLatest();
  if (error) throw error;
  return db;
}

const SID = '6f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01';
const T0 = '2026-01-02T03:04:05.000Z';
const T1 = '2026-01-02T03:05:00.000Z';
const h = (c: string) => c.repeat(64);

describe('booth migrations', () => {
  it('0002 keeps every 0001 segment row with its state and acknowledgement, and allows the new states', async () => {
    const path = join(dir, 'booth.sqlite');
    const v1 = await openAt(path, boothMigrations, '0001-create-booth-tables');
    const raw = v1 as unknown as Kysely<Record<string, Record<string, unknown>>>;
    await raw
      .insertInto('sessions')
      .values({ session_id: SID, product_id: 'fund-1', phase: 'syncing', started_at: T0, key_wrap_json: '{}', genesis_link: h('a'), last_link: h('b'), created_at: T0 })
      .execute();
    const seg = (seq: number, state: string, ack: boolean) => ({
      session_id: SID,
      seq,
      file: `${SID}/${seq}.seg`,
      cipher_sha256: h(String(seq)),
      plain_sha256: h('c'),
      prev_link: h('d'),
      link: h('e'),
      bytes: 1000 + seq,
      start_sec: seq * 4,
      duration_sec: 4,
      state,
      attempts: seq,
      last_error: ack ? null : 'ECONNREFUSED',
      ack_segment_id: ack ? `ack-${seq}` : null,
      ack_sha256: ack ? h(String(seq)) : null,
      ack_at: ack ? T1 : null,
      sealed_at: T0,
    });
    await raw.insertInto('segments').values([seg(0, 'acknowledged', true), seg(1, 'sealed', false)]).execute();
    await v1.destroy();

    const db = await openSqlite<BoothDb>(path, boothMigrations);
    try {
      const rows = await db.selectFrom('segments').selectAll().orderBy('seq').execute();
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({ seq: 0, state: 'acknowledged', ack_segment_id: 'ack-0', ack_at: T1, state_changed_at: T1, attempts: 0, bytes: 1000, purged_at: null, next_attempt_at: null });
      expect(rows[1]).toMatchObject({ seq: 1, state: 'sealed', last_error: 'ECONNREFUSED', state_changed_at: T0, attempts: 1 });
      await db.updateTable('segments').set({ state: 'quarantined' }).where('seq', '=', 1).execute();
      await db.updateTable('segments').set({ state: 'purged', purged_at: T1 }).where('seq', '=', 0).execute();
      await expect(db.updateTable('segments').set({ state: 'lost' as 'failed' }).where('seq', '=', 1).execute()).rejects.toThrow(/CHECK constraint failed/);
      // An acknowledged state without the server's acknowledgement cannot be stored.
      await expect(db.insertInto('segments').values({ ...seg(2, 'acknowledged', false), state: 'acknowledged', next_attempt_at: null, state_changed_at: T0, purged_at: null }).execute()).rejects.toThrow(/CHECK constraint failed/);
      const sessions = await db.selectFrom('sessions').select(['session_id', 'phase']).execute();
      expect(sessions).toEqual([{ session_id: SID, phase: 'syncing' }]);
      await db.insertInto('faults').values({ kind: 'disk.full', session_key: '', severity: 'critical', message: 'full', session_id: null, since: T0, last_seen: T0, count: 1, cleared_at: null, version: 1 }).execute();
      expect((await db.selectFrom('faults').select('delivered_version').executeTakeFirstOrThrow()).delivered_version).toBe(0);
    } finally {
      await db.destroy();
    }
  });

  it('0003 adds the session timeline next to existing sessions, one ordered event list per session', async () => {
    const path = join(dir, 'booth-0003.sqlite');
    const v2 = await openAt(path, boothMigrations, '0002-segment-lifecycle');
    const raw = v2 as unknown as Kysely<BoothDb>;
    await raw
      .insertInto('sessions')
      .values({ session_id: SID, product_id: 'p', phase: 'syncing', started_at: T0, ended_at: T1, end_reason: 'completed', key_wrap_json: '{}', genesis_link: h('a'), last_link: h('a'), media_sec: 4, manifest_json: null, signature: null, server_registered: 0, server_finished: 0, archived_at: null, error: null, created_at: T0 })
      .execute();
    await v2.destroy();
    const db = await openSqlite<BoothDb>(path, boothMigrations);
    try {
      expect((await db.selectFrom('sessions').select('session_id').execute()).map((r) => r.session_id)).toEqual([SID]);
      const ev = { session_id: SID, seq: 0, source: 'checks', type: 'checks.started', at: T0, at_sec: 0.5, data_json: '{}' };
      await db.insertInto('session_events').values(ev).execute();
      await expect(db.insertInto('session_events').values(ev).execute()).rejects.toThrow(/UNIQUE constraint failed/);
      await expect(db.insertInto('session_events').values({ ...ev, seq: 1, session_id: 'nobody' }).execute()).rejects.toThrow(/FOREIGN KEY constraint failed/);
      await expect(db.insertInto('session_events').values({ ...ev, seq: 1, at_sec: -1 }).execute()).rejects.toThrow(/CHECK constraint failed/);
      await expect(db.insertInto('session_events').values({ ...ev, seq: 1, source: '' }).execute()).rejects.toThrow(/CHECK constraint failed/);
    } finally {
      await db.destroy();
    }
  });
});

describe('server migrations', () => {
  it('0002 adds the booth fault log and status next to existing booths and sessions', async () => {
    const path = join(dir, 'server.sqlite');
    const v1 = await openAt(path, serverMigrations(), '0001-create-server-tables');
    const raw = v1 as unknown as Kysely<Record<string, Record<string, unknown>>>;
    await raw.insertInto('booths').values({ booth_id: SID, name: 'b1', public_key: 'k', token_sha256: h('1'), enrolled_at: T0 }).execute();
    await raw.insertInto('sessions').values({ session_id: SID, booth_id: SID, product_id: 'p', status: 'recording', started_at: T0, key_wrap_json: '{}', created_at: T0 }).execute();
    await v1.destroy();

    const db = await openSqlite<ServerDb>(path, serverMigrations());
    try {
      expect(await db.selectFrom('booths').select('name').execute()).toEqual([{ name: 'b1' }]);
      expect(await db.selectFrom('sessions').select('status').execute()).toEqual([{ status: 'recording' }]);
      const fault = { booth_id: SID, kind: 'disk.full', severity: 'critical', message: 'm', session_id: null, session_key: '', since: T0, last_seen: T0, count: 1, cleared_at: null, cleared: 0, received_at: T1 };
      await db.insertInto('booth_faults').values(fault).execute();
      await expect(db.insertInto('booth_faults').values(fault).execute()).rejects.toThrow(/UNIQUE constraint failed/);
      await expect(db.insertInto('booth_faults').values({ ...fault, booth_id: 'nobody' }).execute()).rejects.toThrow(/FOREIGN KEY constraint failed/);
      await db.insertInto('booth_status').values({ booth_id: SID, status_json: '{}', reported_at: T0, received_at: T1 }).execute();
    } finally {
      await db.destroy();
    }
  });

  it('0006 adds derived_files and job progress next to existing jobs and archives', async () => {
    const path = join(dir, 'server-0006.sqlite');
    const v2 = await openAt(path, serverMigrations(), '0002-booth-faults-status');
    const raw = v2 as unknown as Kysely<Record<string, Record<string, unknown>>>;
    await raw.insertInto('booths').values({ booth_id: SID, name: 'b1', public_key: 'k', token_sha256: h('1'), enrolled_at: T0 }).execute();
    await raw.insertInto('sessions').values({ session_id: SID, booth_id: SID, product_id: 'p', status: 'archived', started_at: T0, key_wrap_json: '{}', created_at: T0 }).execute();
    await raw.insertInto('jobs').values({ kind: 'finalize', session_id: SID, state: 'done', attempts: 1, run_after: T0, created_at: T0, updated_at: T1 }).execute();
    await raw.insertInto('archives').values({ session_id: SID, mp4_key: 'archive/x/recording.mp4', mp4_sha256: h('2'), mp4_bytes: 10, record_key: 'archive/x/record.json', duration_sec: 4.5, archived_at: T1 }).execute();
    await v2.destroy();

    const db = await openSqlite<ServerDb>(path, serverMigrations());
    try {
      expect(await db.selectFrom('jobs').select(['state', 'progress']).execute()).toEqual([{ state: 'done', progress: null }]);
      expect(await db.selectFrom('archives').select('duration_sec').execute()).toEqual([{ duration_sec: 4.5 }]);
      const row = { session_id: SID, kind: 'final-video', storage_key: 'archive/x/final.mp4', media_type: 'video/mp4', sha256: h('3'), bytes: 9, duration_sec: 4.5, source_sha256: h('2'), created_at: T1 };
      await db.insertInto('derived_files').values(row).execute();
      await db.insertInto('derived_files').values({ ...row, kind: 'thumbnail-index', storage_key: 'archive/x/thumbnails.json', duration_sec: null }).execute();
      await expect(db.insertInto('derived_files').values({ ...row, storage_key: 'archive/x/other.mp4' }).execute()).rejects.toThrow(/UNIQUE constraint failed/);
      await expect(db.insertInto('derived_files').values({ ...row, kind: 'poster', storage_key: 'archive/x/p.jpg' }).execute()).rejects.toThrow(/CHECK constraint failed/);
      await expect(db.insertInto('derived_files').values({ ...row, session_id: 'nobody', storage_key: 'archive/y/final.mp4' }).execute()).rejects.toThrow(/FOREIGN KEY constraint failed/);
      await db.updateTable('jobs').set({ progress: 0.5 }).execute();
    } finally {
      await db.destroy();
    }
  });
});

describe('server migration 0003 (auth)', () => {
  it('keeps booths and enrollment codes (branch NULL), and the new tables hold their constraints', async () => {
    const path = join(dir, 'server-0003.sqlite');
    const v2 = await openAt(path, serverMigrations(), '0002-booth-faults-status');
    const raw = v2 as unknown as Kysely<Record<string, Record<string, unknown>>>;
    await raw.insertInto('booths').values({ booth_id: SID, name: 'old', public_key: 'k', token_sha256: h('1'), enrolled_at: T0 }).execute();
    await raw.insertInto('enrollment_codes').values({ code_sha256: h('2'), created_at: T0, expires_at: T1, used_at: T1, booth_id: SID }).execute();
    await v2.destroy();

    const db = await openSqlite<ServerDb>(path, serverMigrations());
    try {
      expect(await db.selectFrom('booths').select(['name', 'branch_id']).execute()).toEqual([{ name: 'old', branch_id: null }]);
      expect(await db.selectFrom('enrollment_codes').select(['booth_id', 'branch_id', 'created_by']).execute()).toEqual([{ booth_id: SID, branch_id: null, created_by: null }]);
      await expect(db.updateTable('booths').set({ branch_id: 'nowhere' }).execute()).rejects.toThrow(/FOREIGN KEY constraint failed/);
      await db.insertInto('branches').values({ branch_id: 'br-1', name: 'One', created_at: T0 }).execute();
      await db.updateTable('booths').set({ branch_id: 'br-1' }).execute();
      const staff = { staff_id: SID, username: 'ann', password_hash: '$argon2id$x', roles_json: '["admin"]', branches_json: '"*"', disabled: 0, created_at: T0, updated_at: T0, created_by: 'cli' };
      await db.insertInto('staff').values(staff).execute();
      await expect(db.insertInto('staff').values({ ...staff, staff_id: 'other' }).execute()).rejects.toThrow(/UNIQUE constraint failed: staff.username/);
      await expect(db.insertInto('staff').values({ ...staff, staff_id: 'x', username: 'bob', disabled: 2 }).execute()).rejects.toThrow(/CHECK constraint failed/);
      await expect(db.insertInto('staff_sessions').values({ session_id: 's', staff_id: 'nobody', created_at: T0, expires_at: T1, revoked_at: null, ip: '127.0.0.1' }).execute()).rejects.toThrow(/FOREIGN KEY constraint failed/);
    } finally {
      await db.destroy();
    }
  });
});

describe('server migration 0004 (catalogue, customers)', () => {
  it('keeps branches and booths, and the new tables hold their constraints', async () => {
    const path = join(dir, 'server-0004.sqlite');
    const v3 = await openAt(path, serverMigrations(), '0003-auth-staff-branches');
    const raw = v3 as unknown as Kysely<Record<string, Record<string, unknown>>>;
    await raw.insertInto('branches').values({ branch_id: 'br-1', name: 'One', created_at: T0 }).execute();
    await raw.insertInto('booths').values({ booth_id: SID, name: 'b', public_key: 'k', token_sha256: h('1'), enrolled_at: T0, branch_id: 'br-1' }).execute();
    await v3.destroy();

    const db = await openSqlite<ServerDb>(path, serverMigrations());
    try {
      expect(await db.selectFrom('booths').select(['name', 'branch_id']).execute()).toEqual([{ name: 'b', branch_id: 'br-1' }]);
      const product = { product_id: 'p', name_zh: '产品', name_en: 'P', retention_class: 'banking-wm', status: 'active', created_at: T0, created_by: 'cli', updated_at: T0 };
      await db.insertInto('products').values(product).execute();
      await expect(db.insertInto('products').values({ ...product, product_id: 'q', retention_class: 'forever' }).execute()).rejects.toThrow(/CHECK constraint failed/);
      const version = (v: number, status: string) => ({
        product_id: 'p',
        version: v,
        status,
        definition_json: '{}',
        definition_sha256: h('3'),
        created_at: T0,
        created_by: 'cli',
        published_at: status === 'draft' ? null : T1,
        published_by: status === 'draft' ? null : 'cli',
        retired_at: status === 'retired' ? T1 : null,
      });
      await db.insertInto('product_versions').values([version(1, 'retired'), version(2, 'published'), version(3, 'draft')]).execute();
      // At most one published version per product; a draft has no publication; a retired one has its time.
      await expect(db.insertInto('product_versions').values(version(4, 'published')).execute()).rejects.toThrow(/UNIQUE constraint failed/);
      await expect(db.insertInto('product_versions').values({ ...version(5, 'draft'), published_at: T1, published_by: 'cli' }).execute()).rejects.toThrow(/CHECK constraint failed/);
      await expect(db.insertInto('product_versions').values({ ...version(6, 'retired'), retired_at: null }).execute()).rejects.toThrow(/CHECK constraint failed/);
      await expect(db.insertInto('product_versions').values({ ...version(7, 'draft'), product_id: 'nobody' }).execute()).rejects.toThrow(/FOREIGN KEY constraint failed/);
      await expect(db.insertInto('product_version_content').values({ product_id: 'p', version: 9, sha256: h('4') }).execute()).rejects.toThrow(/FOREIGN KEY constraint failed/);
      const customer = { customer_id: SID, branch_id: 'br-1', name: '张三', id_type: 'passport', id_lookup: h('5'), id_key_id: 'k', id_masked: '****1234', created_at: T0, created_by: 'cli', updated_at: T0 };
      await db.insertInto('customers').values(customer).execute();
      await expect(db.insertInto('customers').values({ ...customer, customer_id: 'c2' }).execute()).rejects.toThrow(/UNIQUE constraint failed/);
      await expect(db.insertInto('customers').values({ ...customer, customer_id: 'c3', branch_id: 'nowhere' }).execute()).rejects.toThrow(/FOREIGN KEY constraint failed/);
      const face = { customer_id: SID, model: 'm', descriptor_json: null, photo_sha256: null, source: 'photo', enrolled_at: T0, enrolled_by: 'cli' };
      await expect(db.insertInto('customer_faces').values(face).execute()).rejects.toThrow(/CHECK constraint failed/);
      await expect(db.insertInto('customer_faces').values({ ...face, photo_sha256: h('6') }).execute()).rejects.toThrow(/FOREIGN KEY constraint failed/);
      await db.insertInto('customer_faces').values({ ...face, descriptor_json: '[1]' }).execute();
    } finally {
      await db.destroy();
    }
  });
});

describe('server migration 0007 (sfu reservations)', () => {
  it('adds reservations and invitations next to existing booths and branches, with their constraints', async () => {
    const path = join(dir, 'server-0007.sqlite');
    const before = await openAt(path, serverMigrations(), '0005-evidence');
    const raw = before as unknown as Kysely<Record<string, Record<string, unknown>>>;
    await raw.insertInto('branches').values({ branch_id: 'br-1', name: 'One', created_at: T0 }).execute();
    await raw.insertInto('booths').values({ booth_id: SID, name: 'old', public_key: 'k', token_sha256: h('1'), enrolled_at: T0, branch_id: 'br-1' }).execute();
    await before.destroy();

    const db = (await openSqlite<ServerDb>(path, serverMigrations())).withTables<SfuTables>();
    try {
      expect(await db.selectFrom('booths').select(['name', 'branch_id']).execute()).toEqual([{ name: 'old', branch_id: 'br-1' }]);
      const r = { reservation_id: 'r1', topic: 't', customer_name: 'c', booth_id: SID, branch_id: 'br-1', starts_at: T0, ends_at: T1, status: 'scheduled' as const, created_by: 'staff:x', created_at: T0, cancelled_at: null };
      await db.insertInto('sfu_reservations').values(r).execute();
      await expect(db.insertInto('sfu_reservations').values({ ...r, reservation_id: 'r2', booth_id: 'nobody' }).execute()).rejects.toThrow(/FOREIGN KEY constraint failed/);
      await expect(db.insertInto('sfu_reservations').values({ ...r, reservation_id: 'r3', ends_at: T0 }).execute()).rejects.toThrow(/CHECK constraint failed/);
      await expect(db.insertInto('sfu_reservations').values({ ...r, reservation_id: 'r4', status: 'done' as 'scheduled' }).execute()).rejects.toThrow(/CHECK constraint failed/);
      const inv = { invitation_id: 'i1', reservation_id: 'r1', role: 'remote_staff' as const, secret_sha256: h('3'), expires_at: T1, created_by: 'staff:x', created_at: T0, used_by: null, used_at: null, revoked_at: null };
      await db.insertInto('sfu_invitations').values(inv).execute();
      await expect(db.insertInto('sfu_invitations').values({ ...inv, invitation_id: 'i2', reservation_id: 'none' }).execute()).rejects.toThrow(/FOREIGN KEY constraint failed/);
      await expect(db.insertInto('sfu_invitations').values({ ...inv, invitation_id: 'i3', used_by: 'staff:y' }).execute()).rejects.toThrow(/CHECK constraint failed/);
      await expect(db.insertInto('sfu_invitations').values({ ...inv, invitation_id: 'i4', role: 'admin' as 'reviewer' }).execute()).rejects.toThrow(/CHECK constraint failed/);
    } finally {
      await db.destroy();
    }
  });
});

describe('server migration 0008 (fleet)', () => {
  it('keeps booths, their status and faults, and the fleet tables start empty and usable', async () => {
    const path = join(dir, 'server-0008.sqlite');
    const v4 = await openAt(path, serverMigrations(), '0004-catalogue-customers');
    const raw = v4 as unknown as Kysely<Record<string, Record<string, unknown>>>;
    await raw.insertInto('branches').values({ branch_id: 'br-1', name: 'One', created_at: T0 }).execute();
    await raw.insertInto('booths').values({ booth_id: SID, name: 'b', public_key: 'k', token_sha256: h('1'), enrolled_at: T0, branch_id: 'br-1' }).execute();
    await raw.insertInto('booth_status').values({ booth_id: SID, status_json: '{}', reported_at: T0, received_at: T0 }).execute();
    await v4.destroy();

    const db = await openSqlite<ServerDb>(path, serverMigrations());
    try {
      expect(await db.selectFrom('booth_status').select(['booth_id', 'status_json']).execute()).toEqual([{ booth_id: SID, status_json: '{}' }]);
      expect(await db.selectFrom('fleet_config_changes').selectAll().execute()).toEqual([]);
      await db.insertInto('fleet_update_events').values({ booth_id: SID, version: '1.0.0', outcome: 'installed', message: null, at: T0, received_at: T1 }).execute();
      await expect(db.insertInto('fleet_update_events').values({ booth_id: SID, version: '1.0.0', outcome: 'exploded', message: null, at: T1, received_at: T1 }).execute()).rejects.toThrow(/CHECK constraint failed/);
    } finally {
      await db.destroy();
    }
  });
});

describe('server migration 0009 (machine review and screenshots)', () => {
  it('keeps sessions, and its tables hold one report per session and one screenshot per session second', async () => {
    const path = join(dir, 'server-0009.sqlite');
    const v8 = await openAt(path, serverMigrations(), '0008-fleet');
    const raw = v8 as unknown as Kysely<Record<string, Record<string, unknown>>>;
    await raw.insertInto('booths').values({ booth_id: 'b1', name: 'b', public_key: 'k', token_sha256: h('1'), enrolled_at: T0, branch_id: null }).execute();
    await raw.insertInto('sessions').values({ session_id: SID, booth_id: 'b1', product_id: 'fund-1', status: 'archived', started_at: T0, ended_at: T1, key_wrap_json: '{}', manifest_json: null, signature: null, failure: null, created_at: T0 }).execute();
    await v8.destroy();

    const db = await openSqlite<ServerDb>(path, serverMigrations());
    try {
      expect(await db.selectFrom('sessions').select(['session_id', 'status']).execute()).toEqual([{ session_id: SID, status: 'archived' }]);
      const report = { session_id: SID, verdict: 'pass', report_json: '{}', source_sha256: h('2'), created_at: T1 };
      await db.insertInto('machine_reports').values(report).execute();
      await expect(db.insertInto('machine_reports').values(report).execute()).rejects.toThrow(/UNIQUE constraint failed/);
      await expect(db.insertInto('machine_reports').values({ ...report, session_id: '00000000-0000-4000-8000-000000000000' }).execute()).rejects.toThrow(/FOREIGN KEY constraint failed/);
      await expect(db.updateTable('machine_reports').set({ verdict: 'maybe' }).execute()).rejects.toThrow(/CHECK constraint failed/);
      const shot = { session_id: SID, at_sec: 5, at: T1, storage_key: `archive/${SID}/screenshots/000005000.jpg`, sha256: h('3'), bytes: 10, width: 640, height: 360, faces: 1, distance: null, flags_json: '[]', created_at: T1 };
      await db.insertInto('screenshots').values(shot).execute();
      await expect(db.insertInto('screenshots').values({ ...shot, storage_key: 'other' }).execute()).rejects.toThrow(/UNIQUE constraint failed/);
      await db.insertInto('screenshot_cursors').values({ session_id: SID, next_seq: 2, skipped: 0, last_error: null, updated_at: T1 }).execute();
    } finally {
      await db.destroy();
    }
  });
});

describe('booth migration 0004 (kiosk flows)', () => {
  it('adds flows, their timeline and the customer cache beside existing sessions', async () => {
    const path = join(dir, 'booth-0004.sqlite');
    const v3 = await openAt(path, boothMigrations, '0003-session-timeline');
    const raw = v3 as unknown as Kysely<Record<string, Record<string, unknown>>>;
    await raw
      .insertInto('sessions')
      .values({ session_id: SID, product_id: 'fund-1', phase: 'recording', started_at: T0, key_wrap_json: '{}', genesis_link: h('a'), last_link: h('b'), created_at: T0 })
      .execute();
    await raw.insertInto('session_events').values({ session_id: SID, seq: 0, source: 'checks', type: 'checks.started', at: T0, at_sec: 0, data_json: '{}' }).execute();
    await v3.destroy();

    const db = await openSqlite<BoothDb>(path, boothMigrations);
    try {
      expect(await db.selectFrom('sessions').select(['session_id', 'phase']).execute()).toEqual([{ session_id: SID, phase: 'recording' }]);
      expect(await db.selectFrom('session_events').select(['seq', 'type']).execute()).toEqual([{ seq: 0, type: 'checks.started' }]);
      const flow = { flow_id: 'f1', session_id: SID, step: 'disclosure', state_json: '{}', started_at: T0, ended_at: null, outcome: null };
      await db.insertInto('kiosk_flows').values(flow).execute();
      // One flow per session, and only sessions that exist.
      await expect(db.insertInto('kiosk_flows').values({ ...flow, flow_id: 'f2' }).execute()).rejects.toThrow(/UNIQUE constraint failed/);
      await expect(db.insertInto('kiosk_flows').values({ ...flow, flow_id: 'f3', session_id: '00000000-0000-4000-8000-000000000000' }).execute()).rejects.toThrow(/FOREIGN KEY constraint failed/);
      await expect(db.insertInto('kiosk_flows').values({ ...flow, flow_id: 'f4', session_id: null, outcome: 'won' }).execute()).rejects.toThrow(/CHECK constraint failed/);
      const ev = { flow_id: 'f1', seq: 0, at: T0, type: 'flowStarted', event_json: '{}' };
      await db.insertInto('kiosk_timeline').values(ev).execute();
      await expect(db.insertInto('kiosk_timeline').values(ev).execute()).rejects.toThrow(/UNIQUE constraint failed/);
      await expect(db.insertInto('kiosk_timeline').values({ ...ev, flow_id: 'nobody' }).execute()).rejects.toThrow(/FOREIGN KEY constraint failed/);
      await db.insertInto('kiosk_customer_cache').values({ key_sha256: h('f'), summary_json: '{}', cached_at: T1 }).execute();
    } finally {
      await db.destroy();
    }
  });
});
