// The contract every server database passes (SQLite and PostgreSQL): all migrations apply, rows
// read back with the same JS types, and the server's queries keep their guarantees when requests
// race, on one instance or (PostgreSQL) on several instances sharing the database.
import { generateKeyPairSync } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ConflictError, ForbiddenError, IntegrityError } from '../../src/core/errors.js';
import { serverMigrations } from '../../src/server/db/migrations/index.js';
import { dialectOf, isUniqueViolation } from '../../src/server/db/portable.js';
import { testSession } from '../helpers/ingest-fixture.js';
import { race, useBackend, whileHeld, type DbBackend } from './server-db.fixture.js';
import { jobQueueContract } from './server-db-jobs.suite.js';

const T = '2026-03-04T05:06:07.000Z';
const session = (id: string, boothId: string) => ({ session_id: id, booth_id: boothId, product_id: 'p', status: 'recording', started_at: T, ended_at: null, key_wrap_json: '{}', manifest_json: null, signature: null, failure: null, created_at: T });

export function serverDbSuite(name: string, backend: () => DbBackend): void {
  describe(`server database contract: ${name}`, () => {
    const { open, cluster } = useBackend(backend);

    describe('schema', () => {
      it('applies every server migration exactly once, also when instances start together', async () => {
        const b = backend();
        const dbs = await open(b.multiInstance ? 3 : 1);
        expect(dialectOf(dbs[0]!)).toBe(b.dialect);
        const applied = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(dbs[0]!);
        expect(applied.rows.map((r) => r.name)).toEqual(Object.keys(serverMigrations(b.dialect)).sort());
      });

      it('reads rows back with the same JavaScript types', async () => {
        const [db] = await open(1);
        await db!.insertInto('booths').values({ booth_id: 'b1', name: 'booth', public_key: 'k', token_sha256: 't1', enrolled_at: T }).execute();
        await db!.insertInto('sessions').values(session('s1', 'b1')).execute();
        await db!.insertInto('segments').values({ segment_id: 'g1', session_id: 's1', seq: 0, sha256: 'h', prev_link: 'p', link: 'l', bytes: 6_000_000_000, storage_key: 'k', received_at: T }).execute();
        await db!.insertInto('archives').values({ session_id: 's1', mp4_key: 'm', mp4_sha256: 'h', mp4_bytes: 2 ** 40, record_key: 'r', duration_sec: 12.25, archived_at: T }).execute();
        await db!.insertInto('jobs').values({ kind: 'finalize', session_id: 's1', state: 'queued', attempts: 0, run_after: T, last_error: null, created_at: T, updated_at: T }).execute();
        expect(await db!.selectFrom('segments').select(['seq', 'bytes']).executeTakeFirstOrThrow()).toEqual({ seq: 0, bytes: 6_000_000_000 });
        expect(await db!.selectFrom('archives').select(['mp4_bytes', 'duration_sec']).executeTakeFirstOrThrow()).toEqual({ mp4_bytes: 2 ** 40, duration_sec: 12.25 });
        expect(await db!.selectFrom('jobs').select(['job_id', 'attempts', 'run_after', 'last_error']).executeTakeFirstOrThrow()).toEqual({ job_id: expect.any(Number), attempts: 0, run_after: T, last_error: null });
        const agg = await db!.selectFrom('segments').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('bytes').as('total')]).executeTakeFirstOrThrow();
        expect(agg).toEqual({ n: 1, total: 6_000_000_000 });
      });

      it('reports unique violations the same way, and enforces foreign keys', async () => {
        const [db] = await open(1);
        const booth = { booth_id: 'b1', name: 'booth', public_key: 'k', token_sha256: 't1', enrolled_at: T };
        await db!.insertInto('booths').values(booth).execute();
        const dup = await db!.insertInto('booths').values(booth).execute().catch((e: unknown) => e);
        expect(isUniqueViolation(dup)).toBe(true);
        const fk = await db!.insertInto('sessions').values(session('s', 'nobody')).execute().catch((e: unknown) => e);
        expect(fk).toBeInstanceOf(Error);
        expect(isUniqueViolation(fk)).toBe(false);
      });
    });

    describe('ingest', () => {
      it('enrolls one booth per code, even when instances race with it', async () => {
        const c = await cluster();
        const { code } = await c.ingest[0]!.createEnrollmentCode(1);
        const key = () => generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
        const results = await race(4, (i) => c.ingest[i % 2]!.enroll({ code, name: `racer-${i}`, publicKey: key() }));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ForbiddenError);
        expect(await c.dbs[0]!.selectFrom('booths').select('name').where('name', 'like', 'racer-%').execute()).toHaveLength(1);
      });

      it('registers a session once when the same registration races on both instances', async () => {
        const c = await cluster();
        const s = testSession(c.booth, c.keys.publicKeyDer, 1);
        const results = await race(4, (i) => c.ingest[i % 2]!.createSession(c.booth, s.request));
        const views = results.map((r) => (r.status === 'fulfilled' ? r.value : r.reason));
        expect(views[0]).toMatchObject({ sessionId: s.request.sessionId, status: 'recording', segmentsReceived: 0 });
        for (const v of views) expect(v).toEqual(views[0]);
        await expect(c.ingest[1]!.createSession(c.booth, { ...s.request, productId: 'other' })).rejects.toThrow(ConflictError);
      });

      it('answers repeated and concurrent uploads of a segment with one acknowledgement, and refuses other bytes', async () => {
        const c = await cluster();
        const s = testSession(c.booth, c.keys.publicKeyDer, 2);
        await c.ingest[0]!.createSession(c.booth, s.request);
        const id = s.request.sessionId;
        const seg = s.segments[0]!;
        const results = await race(6, (i) => c.ingest[i % 2]!.putSegment(c.booth, id, 0, seg.bytes, seg.cipherSha256));
        const acks = results.map((r) => (r.status === 'fulfilled' ? r.value : r.reason));
        expect(acks[0]).toMatchObject({ sessionId: id, seq: 0, sha256: seg.cipherSha256 });
        for (const a of acks) expect(a).toEqual(acks[0]);
        expect(await c.ingest[1]!.putSegment(c.booth, id, 0, seg.bytes, seg.cipherSha256)).toEqual(acks[0]);
        // Two different segments under one number at once: one is stored, the other is a conflict.
        const rivals = [s.segments[1]!, s.variant(1)];
        const out = await race(2, (i) => c.ingest[i]!.putSegment(c.booth, id, 1, rivals[i]!.bytes, rivals[i]!.cipherSha256));
        expect(out.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect(out.find((r) => r.status === 'rejected')!.reason).toBeInstanceOf(ConflictError);
        expect(await c.dbs[0]!.selectFrom('segments').select('seq').where('session_id', '=', id).orderBy('seq').execute()).toEqual([{ seq: 0 }, { seq: 1 }]);
      });

      it('never acknowledges a segment that a racing finish left out', async () => {
        const c = await cluster();
        for (let i = 0; i < 8; i++) {
          const s = testSession(c.booth, c.keys.publicKeyDer, 2);
          const id = s.request.sessionId;
          await c.ingest[0]!.createSession(c.booth, s.request);
          await c.ingest[0]!.putSegment(c.booth, id, 0, s.segments[0]!.bytes, s.segments[0]!.cipherSha256);
          // Rounds 0-3 race freely, rounds 4-7 start while the session row is held, so both
          // transactions run at the same moment. Even rounds: the manifest lists both segments.
          const listed = i % 2 === 0 ? 2 : 1;
          const finish = s.finish(listed);
          const both = [() => c.ingest[i % 2]!.putSegment(c.booth, id, 1, s.segments[1]!.bytes, s.segments[1]!.cipherSha256), () => c.ingest[(i + 1) % 2]!.finish(c.booth, id, finish)] as const;
          const [up, fin] = (i < 4 ? await Promise.allSettled(both.map((f) => f())) : await whileHeld<unknown>(c, id, [...both])) as [PromiseSettledResult<unknown>, PromiseSettledResult<unknown>];
          const stored = (await c.dbs[0]!.selectFrom('segments').select('seq').where('session_id', '=', id).execute()).map((r) => r.seq).sort();
          const row = await c.dbs[0]!.selectFrom('sessions').select(['status', 'manifest_json']).where('session_id', '=', id).executeTakeFirstOrThrow();
          if (fin.status === 'fulfilled') {
            expect(row.status).toBe('archiving');
            expect(stored).toEqual(listed === 2 ? [0, 1] : [0]);
            if (up.status === 'fulfilled') expect(listed).toBe(2);
          } else {
            expect(row.manifest_json).toBeNull();
            expect(fin.reason).toBeInstanceOf(listed === 2 ? ConflictError : IntegrityError);
          }
          if (up.status === 'rejected') expect(up.reason).toMatchObject({ code: 'session.closed' });
        }
      });

      it('queues one archive job when identical finishes race on both instances', async () => {
        const c = await cluster();
        const s = testSession(c.booth, c.keys.publicKeyDer, 1);
        const id = s.request.sessionId;
        await c.ingest[0]!.createSession(c.booth, s.request);
        await c.ingest[1]!.putSegment(c.booth, id, 0, s.segments[0]!.bytes, s.segments[0]!.cipherSha256);
        const finish = s.finish();
        const results = await race(4, (i) => c.ingest[i % 2]!.finish(c.booth, id, finish));
        for (const r of results) expect(r).toEqual({ status: 'fulfilled', value: { sessionId: id, status: 'archiving' } });
        expect(await c.dbs[0]!.selectFrom('jobs').select(['kind', 'state']).where('session_id', '=', id).execute()).toEqual([{ kind: 'finalize', state: 'queued' }]);
      });

      it('keeps one row per booth fault version when the report is re-sent on both instances', async () => {
        const c = await cluster();
        const fault = { kind: 'disk.nearly_full' as const, severity: 'warning' as const, message: '1 GiB left', sessionId: null, since: T, lastSeen: T, count: 1, clearedAt: null };
        const results = await race(4, (i) => c.reports[i % 2]!.recordFaults(c.booth, { faults: [fault] }));
        expect(results.map((r) => (r.status === 'fulfilled' ? r.value.accepted : r.reason)).reduce((a, b) => a + b, 0)).toBe(1);
        expect(await c.reports[1]!.recordFaults(c.booth, { faults: [{ ...fault, clearedAt: T }] })).toEqual({ accepted: 1 });
        expect((await c.reports[0]!.faultLog(c.booth.boothId)).map((f) => f.clearedAt)).toEqual([T, null]);
        const status = { at: T, backlog: { segments: 0, bytes: 0, quarantined: 0, oldestUnconfirmedAt: null, oldestUnconfirmedAgeSec: null }, disk: { freeBytes: 5e9, vaultBytes: 0, quotaBytes: null, level: 'ok' as const }, recordingSessionId: null, activeFaults: 0 };
        const st = await race(4, (i) => c.reports[i % 2]!.recordStatus(c.booth, { ...status, activeFaults: i }));
        expect(st.every((r) => r.status === 'fulfilled')).toBe(true);
        expect([0, 1, 2, 3]).toContain((await c.reports[0]!.latestStatus(c.booth.boothId))?.status.activeFaults);
      });
    });

    jobQueueContract(backend, { open });
  });
}
