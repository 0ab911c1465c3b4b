// Retention records, legal holds and the one deletion path, on a real SQLite database and a real
// PostgreSQL (a throwaway cluster or DUALREC_TEST_PG_URL), a real write-once filesystem store and
// the hash-chained audit log.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { usePostgresServerDb } from '../../helpers/postgres-db.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../../src/core/errors.js';
import { listEvidenceFiles, readArchivedSession } from '../../../src/server/evidence/evidence-files.js';
import { catalogueRetentionClass, retainUntilFor } from '../../../src/server/evidence/retention.js';
import { actorOf, openEvidenceFixture, sqliteTestDb, type EvidenceFixture, type OpenTestDb } from '../../helpers/evidence-fixture.js';

const freshPostgres = usePostgresServerDb();
const postgresTestDb: OpenTestDb = async () => (await freshPostgres()).db;

let fx: EvidenceFixture;

const supervisor = actorOf('staff:11111111-1111-4111-8111-111111111111', ['br-a']);
const other = actorOf('staff:22222222-2222-4222-8222-222222222222', ['br-b']);
const operator = actorOf('system');
const keysOf = async (sessionId: string) => (await listEvidenceFiles(fx.db, await readArchivedSession(fx.db, sessionId), fx.deps.derived)).map((f) => f.key);
const actions = async (sessionId: string) => (await fx.audit.list({ limit: 1000, target: `session:${sessionId}` })).map((e) => e.action);

for (const [backend, openDb] of [
  ['SQLite', sqliteTestDb],
  ['PostgreSQL', postgresTestDb],
] as const) {
  describe(backend, () => {
    beforeEach(async () => {
      fx = await openEvidenceFixture({ openDb });
    });
    afterEach(async () => {
      await fx.close();
    });

    describe('retention records', () => {
      it('gives an archived session its product class, a retain-until date and protects every stored file', async () => {
        fx.classes.set('ins-10', 'insurance-10y');
        const archivedAt = '2026-03-04T05:06:07.000Z';
        const id = await fx.archived({ productId: 'ins-10', archivedAt });
        const r = await fx.retention.recordArchived(id);
        expect(r).toMatchObject({ retention_class: 'insurance-10y', archived_at: archivedAt, retain_until: '2036-03-04T05:06:07.000Z', branch_id: 'br-a', active_holds: 0 });
        expect(r.files_protected_at).not.toBeNull();
        const keys = await keysOf(id);
        expect(keys).toHaveLength(4);
        for (const k of keys) expect(await fx.store.protection(k)).toEqual({ retainUntil: '2036-03-04T05:06:07.000Z', legalHold: false });
        const entries = await fx.audit.list({ limit: 10, target: `session:${id}` });
        expect(entries.map((e) => [e.action, e.actor, e.branchId, e.details])).toEqual([
          ['retention.record', 'system', 'br-a', { retentionClass: 'insurance-10y', classSource: 'product', productId: 'ins-10', archivedAt, retainUntil: '2036-03-04T05:06:07.000Z' }],
        ]);
        // Idempotent: a second call (another instance, a retry) changes nothing.
        await fx.retention.recordArchived(id);
        expect(await actions(id)).toEqual(['retention.record']);
        expect(fx.warnings).toEqual([]);
      });

      it('uses banking-wm with a logged warning when the product is unknown', async () => {
        const id = await fx.archived({ productId: 'mystery', archivedAt: '2024-02-29T12:00:00.000Z' });
        const r = await fx.retention.recordArchived(id);
        expect(r).toMatchObject({ retention_class: 'banking-wm', retain_until: '2029-03-01T12:00:00.000Z' });
        expect(fx.warnings).toEqual([expect.objectContaining({ level: 40, sessionId: id, productId: 'mystery', retentionClass: 'banking-wm', msg: 'product has no known retention class; using the default' })]);
        expect((await fx.audit.list({ limit: 5, target: `session:${id}` }))[0]!.details).toMatchObject({ classSource: 'default', retentionClass: 'banking-wm' });
      });

      it("takes the class from the catalogue's products table", async () => {
        const now = new Date().toISOString();
        await fx.db.insertInto('products').values({ product_id: 'ins-life', name_zh: '寿险', name_en: 'Life', retention_class: 'insurance-10y', status: 'active', created_at: now, created_by: 'system', updated_at: now }).execute();
        const fromCatalogue = catalogueRetentionClass(fx.db);
        expect(await fromCatalogue('ins-life')).toBe('insurance-10y');
        expect(await fromCatalogue('unknown')).toBeNull();
      });

      it('adds calendar years in UTC for every class', () => {
        expect(retainUntilFor('2026-01-31T23:59:59.999Z', 'banking-wm')).toBe('2031-01-31T23:59:59.999Z');
        expect(retainUntilFor('2026-01-31T23:59:59.999Z', 'insurance-5y')).toBe('2031-01-31T23:59:59.999Z');
        expect(retainUntilFor('2026-01-31T23:59:59.999Z', 'insurance-10y')).toBe('2036-01-31T23:59:59.999Z');
        expect(retainUntilFor('2026-01-31T23:59:59.999Z', 'long-term')).toBe('2056-01-31T23:59:59.999Z');
      });

      it('refuses sessions that are unknown or not archived yet', async () => {
        const busy = await fx.archived({ status: 'archiving' });
        await expect(fx.retention.recordArchived(busy)).rejects.toThrow(/is not archived yet \(status archiving\)/);
        await expect(fx.retention.recordArchived(busy)).rejects.toThrow(ConflictError);
        await expect(fx.retention.recordArchived('9b2d7a55-0000-4000-8000-000000000000')).rejects.toThrow(NotFoundError);
      });

      it('catches up archived sessions without a record and files left unprotected by a crash', async () => {
        const a = await fx.archived();
        const b = await fx.archived();
        await fx.retention.ensureRecorded(b); // recorded, then "crashed" before protecting the files
        expect((await fx.store.protection((await keysOf(b))[0]!)).retainUntil).toBeNull();
        expect(await fx.retention.sweep()).toEqual({ recorded: 1, protected: 2, holdsSynced: 0 });
        for (const id of [a, b]) for (const k of await keysOf(id)) expect((await fx.store.protection(k)).retainUntil).not.toBeNull();
        expect(await fx.retention.sweep()).toEqual({ recorded: 0, protected: 0, holdsSynced: 0 });
      });

      it('extends a retention (audited, files follow) and never shortens one', async () => {
        const id = await fx.archived({ archivedAt: '2026-01-01T00:00:00.000Z' });
        await fx.retention.recordArchived(id);
        await expect(fx.retention.extend(supervisor, id, '2030-01-01T00:00:00.000Z', 'shorter')).rejects.toThrow(/can only be extended/);
        const r = await fx.retention.extend(supervisor, id, '2040-06-30T00:00:00.000Z', 'contract runs to 2039');
        expect(r.retain_until).toBe('2040-06-30T00:00:00.000Z');
        for (const k of await keysOf(id)) expect((await fx.store.protection(k)).retainUntil).toBe('2040-06-30T00:00:00.000Z');
        const last = (await fx.audit.list({ limit: 10, target: `session:${id}` })).at(-1)!;
        expect(last).toMatchObject({ action: 'retention.extend', actor: supervisor.audit, details: { from: '2031-01-01T00:00:00.000Z', to: '2040-06-30T00:00:00.000Z', reason: 'contract runs to 2039' } });
      });
    });

    describe('legal holds', () => {
      it('stack, are released one by one, and keep the store hold flags in step; every change audited', async () => {
        const id = await fx.archived();
        await fx.retention.recordArchived(id);
        const h1 = await fx.holds.set(supervisor, id, 'litigation 2026-117');
        const h2 = await fx.holds.set(operator, id, 'regulator inquiry');
        expect((await fx.retention.read(id))!.active_holds).toBe(2);
        for (const k of await keysOf(id)) expect((await fx.store.protection(k)).legalHold).toBe(true);
        await fx.holds.release(supervisor, h1.holdId, 'case settled');
        for (const k of await keysOf(id)) expect((await fx.store.protection(k)).legalHold).toBe(true);
        await fx.holds.release(operator, h2.holdId, 'inquiry closed');
        expect((await fx.retention.read(id))!.active_holds).toBe(0);
        for (const k of await keysOf(id)) expect((await fx.store.protection(k)).legalHold).toBe(false);
        const holds = await fx.holds.list(id);
        expect(holds.map((h) => [h.reason, h.setBy, h.releasedBy, h.releaseReason])).toEqual([
          ['litigation 2026-117', supervisor.audit, supervisor.audit, 'case settled'],
          ['regulator inquiry', 'system', 'system', 'inquiry closed'],
        ]);
        expect(await actions(id)).toEqual(['retention.record', 'hold.set', 'hold.set', 'hold.release', 'hold.release']);
        await expect(fx.holds.release(supervisor, h1.holdId, 'again')).rejects.toThrow(/already released/);
        await expect(fx.holds.release(supervisor, '0d5e0000-0000-4000-8000-000000000000', 'x')).rejects.toThrow(NotFoundError);
        expect((await fx.audit.verify()).ok).toBe(true);
      });

      it('refuses staff outside the branch, and sessions not archived yet', async () => {
        const id = await fx.archived();
        const held = await fx.holds.set(supervisor, id, 'mine');
        await expect(fx.holds.set(other, id, 'not mine')).rejects.toThrow(ForbiddenError);
        await expect(fx.holds.release(other, held.holdId, 'not mine')).rejects.toThrow(/outside their scope/);
        const noBranch = await fx.archived({ branchId: null });
        await expect(fx.holds.set(supervisor, noBranch, 'x')).rejects.toThrow(/head office only/);
        const busy = await fx.archived({ status: 'archiving' });
        await expect(fx.holds.set(supervisor, busy, 'too early')).rejects.toThrow(/not archived yet/);
        expect((await fx.retention.read(id))!.active_holds).toBe(1);
      });
    });

    describe('deletion', () => {
      it('refuses while retained, while held, before archiving, and for unknown sessions; changes nothing and audits the refusal', async () => {
        const retained = await fx.archived();
        await fx.retention.recordArchived(retained);
        await expect(fx.deletion.deleteExpired(operator, retained)).rejects.toThrow(/is retained until .* \(banking-wm\); it cannot be deleted before then/);
        const expiredHeld = await fx.archived({ archivedAt: '2015-01-01T00:00:00.000Z' });
        await fx.retention.recordArchived(expiredHeld);
        await fx.holds.set(operator, expiredHeld, 'litigation');
        await expect(fx.deletion.deleteExpired(operator, expiredHeld)).rejects.toThrow(/under 1 legal hold\(s\)/);
        const busy = await fx.archived({ status: 'archiving' });
        await expect(fx.deletion.deleteExpired(operator, busy)).rejects.toThrow(/not archived yet/);
        const unrecorded = await fx.archived({ archivedAt: '2015-01-01T00:00:00.000Z' });
        await expect(fx.deletion.deleteExpired(operator, unrecorded)).rejects.toThrow(/has no retention record yet/);
        await expect(fx.deletion.deleteExpired(operator, '9b2d7a55-0000-4000-8000-000000000000')).rejects.toThrow(NotFoundError);
        for (const id of [retained, expiredHeld, busy, unrecorded]) {
          for (const k of id === busy ? [] : await keysOf(id)) expect(await fx.store.has(k)).toBe(true);
          expect((await fx.retention.read(id))?.deletion_started_at ?? null).toBeNull();
        }
        expect((await fx.audit.list({ limit: 5, target: `session:${retained}` })).at(-1)).toMatchObject({ action: 'evidence.delete_refused', details: { code: 'evidence.retained' } });
        expect((await fx.audit.list({ limit: 5, target: `session:${expiredHeld}` })).at(-1)).toMatchObject({ action: 'evidence.delete_refused', details: { code: 'evidence.held' } });
      });

      it('deletes the stored files of an expired, unheld session, keeps its rows, and audits what went', async () => {
        const id = await fx.archived({ archivedAt: '2015-01-01T00:00:00.000Z' });
        await fx.retention.recordArchived(id);
        const hold = await fx.holds.set(operator, id, 'briefly');
        await fx.holds.release(operator, hold.holdId, 'done');
        const keys = await keysOf(id);
        const res = await fx.deletion.deleteExpired(operator, id);
        expect(res.files.map((f) => f.name)).toEqual(['segments/000000.seg', 'segments/000001.seg', 'recording.mp4', 'record.json']);
        for (const k of keys) expect(await fx.store.has(k)).toBe(false);
        expect(await fx.retention.read(id)).toMatchObject({ deleted_at: res.deletedAt, deleted_by: 'system' });
        expect(await fx.db.selectFrom('segments').select('seq').where('session_id', '=', id).execute()).toHaveLength(2);
        expect(await actions(id)).toEqual(['retention.record', 'hold.set', 'hold.release', 'evidence.delete_started', 'evidence.delete']);
        await expect(fx.deletion.deleteExpired(operator, id)).rejects.toThrow(/already deleted/);
        await expect(fx.holds.set(operator, id, 'too late')).rejects.toThrow(/being or has been deleted/);
      });

      it('is refused by the store itself when the store still retains a file the database says has expired', async () => {
        const id = await fx.archived({ archivedAt: '2015-01-01T00:00:00.000Z' });
        await fx.retention.recordArchived(id);
        const [first] = await keysOf(id);
        await fx.store.protect(first!, '2099-01-01T00:00:00.000Z');
        await expect(fx.deletion.deleteExpired(operator, id)).rejects.toThrow(/retained until 2099-01-01/);
        expect(await fx.store.has(first!)).toBe(true);
        expect((await fx.retention.read(id))!.deleted_at).toBeNull();
      });

      it('lets a hold and a deletion racing each other never both succeed', async () => {
        for (let i = 0; i < 6; i++) {
          const id = await fx.archived({ archivedAt: '2015-01-01T00:00:00.000Z' });
          await fx.retention.recordArchived(id);
          const [hold, del] = await Promise.allSettled([fx.holds.set(operator, id, 'race'), fx.deletion.deleteExpired(operator, id)]);
          expect([hold.status, del.status].filter((s) => s === 'fulfilled')).toHaveLength(1);
          const r = (await fx.retention.read(id))!;
          if (hold.status === 'fulfilled') expect([r.active_holds, r.deleted_at]).toEqual([1, null]);
          else expect([r.active_holds, r.deleted_at === null]).toEqual([0, false]);
        }
      });

      it('keeps the audit log append-only: no update or delete path exists on the log', async () => {
        const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(fx.audit)).sort();
        expect(methods.filter((m) => /update|delete|remove|edit|truncate/i.test(m))).toEqual([]);
        await expect(sql`SELECT 1`.execute(fx.db)).resolves.toBeDefined();
      });
    });
  });
}
