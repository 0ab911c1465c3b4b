// The evidence routes on a real server (Server.create: real SQLite, the real auth hook and staff
// logins over HTTP) with archived sessions in branches br-a and br-b and one without a branch.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../src/protocol/audit.js';
import type { ArchiveList, ArchivedSessionDetail, HoldView } from '../../../src/protocol/evidence-api.js';
import type { Server } from '../../../src/server/server.js';
import { openApiFixture, type ApiFixture } from '../../helpers/api-fixture.js';
import { boothIn, insertArchivedSession } from '../../helpers/evidence-fixture.js';
import { staffLogin } from '../../helpers/staff.js';

type Headers = Record<string, string>;
let fx: ApiFixture;
let server: Server;
let inA: string;
let inB: string;
let noBranch: string;
let reviewerA: Headers;
let supervisorA: Headers;
let supervisorB: Headers;
let supervisorAll: Headers;
let adminAll: Headers;
let supervisorAId: string;

const api = (method: 'GET' | 'POST' | 'DELETE' | 'PUT', url: string, headers: Headers, payload?: object) => server.http.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });
const retentionRows = async () => Number((await server.archive.db.selectFrom('evidence_retention').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
const lastAudit = async () => (await server.evidence.audit.list({ limit: 1, fromSeq: (await server.evidence.audit.head())!.seq }))[0]!;

beforeAll(async () => {
  fx = await openApiFixture();
  server = fx.server;
  const { db, store } = server.archive;
  inA = await insertArchivedSession(db, store, { boothId: await boothIn(db, 'br-a'), archivedAt: '2026-01-01T00:00:00.000Z' });
  inB = await insertArchivedSession(db, store, { boothId: await boothIn(db, 'br-b'), archivedAt: '2026-01-02T00:00:00.000Z' });
  noBranch = await insertArchivedSession(db, store, { boothId: await boothIn(db, null), archivedAt: '2026-01-03T00:00:00.000Z' });
  reviewerA = (await staffLogin(server, { roles: ['reviewer'], branches: ['br-a'] })).headers;
  const supA = await staffLogin(server, { roles: ['supervisor'], branches: ['br-a'] });
  supervisorA = supA.headers;
  supervisorAId = supA.principal.staffId;
  supervisorB = (await staffLogin(server, { roles: ['supervisor'], branches: ['br-b'] })).headers;
  supervisorAll = (await staffLogin(server, { roles: ['supervisor'], branches: '*' })).headers;
  adminAll = (await staffLogin(server, { roles: ['admin'], branches: '*' })).headers;
});

afterAll(async () => {
  await fx?.close();
});

describe('archived sessions', () => {
  it('lists only sessions in the caller scope, newest first, and audits the listing', async () => {
    const a = await api('GET', '/archive/sessions', reviewerA);
    expect(a.statusCode).toBe(200);
    expect(a.json<ArchiveList>().sessions.map((s) => s.sessionId)).toEqual([inA]);
    const all = await api('GET', '/archive/sessions', supervisorAll);
    expect(all.json<ArchiveList>().sessions.map((s) => [s.sessionId, s.branchId])).toEqual([
      [noBranch, null],
      [inB, 'br-b'],
      [inA, 'br-a'],
    ]);
    expect(all.json<ArchiveList>().sessions[2]!.retention).toBeNull();
    await server.evidence.retention.sweep();
    const swept = (await api('GET', '/archive/sessions', supervisorAll)).json<ArchiveList>().sessions;
    expect(swept[2]!.retention).toEqual({ retentionClass: 'banking-wm', retainUntil: '2031-01-01T00:00:00.000Z', activeHolds: 0, filesProtected: true, deletedAt: null });
    expect((await api('GET', '/archive/sessions?limit=1&before=2026-01-03T00:00:00.000Z', supervisorAll)).json<ArchiveList>().sessions.map((s) => s.sessionId)).toEqual([inB]);
    expect((await api('GET', '/archive/sessions?branchId=br-b', supervisorAll)).json<ArchiveList>().sessions.map((s) => s.sessionId)).toEqual([inB]);
    expect(await lastAudit()).toMatchObject({ action: 'archive.list', target: 'archive', details: { count: 1, branchId: 'br-b' } });
  });

  it('rejects bad queries and other branches with a clear 4xx', async () => {
    const cases: Array<[string, Headers, number, RegExp]> = [
      ['/archive/sessions?limit=0', reviewerA, 400, /limit must be >= 1/],
      ['/archive/sessions?limit=abc', reviewerA, 400, /limit must be a whole number/],
      ['/archive/sessions?limit=201', reviewerA, 400, /limit must be <= 200/],
      ['/archive/sessions?before=yesterday', reviewerA, 400, /before/],
      ['/archive/sessions?sort=desc', reviewerA, 400, /sort/],
      ['/archive/sessions?branchId=br-b', reviewerA, 403, /branch br-b is outside their scope/],
    ];
    for (const [url, headers, status, msg] of cases) {
      const r = await api('GET', url, headers);
      expect([url, r.statusCode]).toEqual([url, status]);
      expect(r.json().error.message).toMatch(msg);
    }
  });

  it('reads one session with its retention, holds and files; refuses other branches without writing anything', async () => {
    const r = await api('GET', `/archive/sessions/${inA}`, reviewerA);
    expect(r.statusCode).toBe(200);
    const d = r.json<ArchivedSessionDetail>();
    expect(d).toMatchObject({ sessionId: inA, branchId: 'br-a', holds: [] });
    expect(d.files.map((f) => f.name)).toEqual(['segments/000000.seg', 'segments/000001.seg', 'recording.mp4', 'record.json']);
    expect(await lastAudit()).toMatchObject({ action: 'archive.read', target: `session:${inA}`, branchId: 'br-a' });
    const before = await server.evidence.audit.head();
    const rows = await retentionRows();
    for (const [id, headers] of [
      [inB, reviewerA],
      [noBranch, supervisorA],
    ] as const) {
      const denied = await api('GET', `/archive/sessions/${id}`, headers);
      expect(denied.statusCode).toBe(403);
      expect(denied.json().error.code).toBe('auth.branch');
    }
    expect(await server.evidence.audit.head()).toEqual(before);
    expect(await retentionRows()).toBe(rows);
    expect((await api('GET', '/archive/sessions/2b1a8e5e-0000-4000-8000-000000000000', reviewerA)).statusCode).toBe(404);
    const notYet = await api('GET', `/archive/sessions/${fx.booth.sessionId}`, supervisorAll);
    expect([notYet.statusCode, notYet.json().error.code]).toEqual([409, 'session.not_archived']);
  });

  it('downloads the recording and its record (audited with the hash), never a sealed segment', async () => {
    const r = await api('GET', `/archive/sessions/${inA}/files/recording.mp4`, reviewerA);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('video/mp4');
    expect(r.rawPayload.equals(await server.archive.store.get(`archive/${inA}/recording.mp4`))).toBe(true);
    const { createHash } = await import('node:crypto');
    expect(r.headers['x-dualrec-sha256']).toBe(createHash('sha256').update(r.rawPayload).digest('hex'));
    expect(await lastAudit()).toMatchObject({ action: 'archive.download', details: { file: 'recording.mp4', sha256: r.headers['x-dualrec-sha256'], bytes: 256 } });
    expect((await api('GET', `/archive/sessions/${inA}/files/record.json`, reviewerA)).statusCode).toBe(200);
    expect((await api('GET', `/archive/sessions/${inA}/files/000000.seg`, reviewerA)).statusCode).toBe(404);
    expect((await api('GET', `/archive/sessions/${inA}/files/Recording.MP4`, reviewerA)).statusCode).toBe(400);
    expect((await api('GET', `/archive/sessions/${inB}/files/recording.mp4`, reviewerA)).statusCode).toBe(403);
  });

  it('refuses to export a session without a signed manifest (real exports: evidence-package.test.ts)', async () => {
    const r = await api('POST', `/archive/sessions/${inA}/export`, reviewerA, {});
    expect([r.statusCode, r.json().error.code]).toEqual([422, 'evidence.no_manifest']);
    expect((await api('POST', `/archive/sessions/${inA}/export`, reviewerA, { segments: 'yes' })).statusCode).toBe(400);
    expect((await api('POST', `/archive/sessions/${inB}/export`, reviewerA, {})).statusCode).toBe(403);
  });
});

describe('legal holds and retention', () => {
  it('supervisors set and release holds in their scope, audited; reviewers cannot', async () => {
    const set = await api('POST', `/archive/sessions/${inA}/holds`, supervisorA, { reason: 'litigation 2026-117' });
    expect(set.statusCode).toBe(201);
    const hold = set.json<HoldView>();
    expect(hold).toMatchObject({ sessionId: inA, reason: 'litigation 2026-117', setBy: `staff:${supervisorAId}`, releasedAt: null });
    expect(await lastAudit()).toMatchObject({ action: 'hold.set', actor: `staff:${supervisorAId}`, details: { holdId: hold.holdId, reason: 'litigation 2026-117' } });
    expect((await server.archive.store.protection(`archive/${inA}/recording.mp4`)).legalHold).toBe(true);
    expect((await api('GET', `/archive/sessions/${inA}`, reviewerA)).json<ArchivedSessionDetail>().retention.activeHolds).toBe(1);

    expect((await api('POST', `/archive/sessions/${inA}/holds`, reviewerA, { reason: 'not allowed' })).statusCode).toBe(403);
    expect((await api('POST', `/archive/sessions/${inA}/holds`, supervisorB, { reason: 'other branch' })).statusCode).toBe(403);
    expect((await api('POST', `/archive/sessions/${inA}/holds`, supervisorA, { reason: 'x' })).json().error.message).toMatch(/reason must be at least 3 characters/);
    expect((await api('POST', `/archive/sessions/${inA}/holds`, supervisorA, { reason: 'ok reason', extra: 1 })).statusCode).toBe(400);
    expect((await api('POST', `/archive/holds/${hold.holdId}/release`, supervisorB, { reason: 'other branch' })).statusCode).toBe(403);

    const rel = await api('POST', `/archive/holds/${hold.holdId}/release`, supervisorA, { reason: 'case settled' });
    expect(rel.statusCode).toBe(200);
    expect(rel.json<HoldView>()).toMatchObject({ releasedBy: `staff:${supervisorAId}`, releaseReason: 'case settled' });
    expect((await server.archive.store.protection(`archive/${inA}/recording.mp4`)).legalHold).toBe(false);
    const again = await api('POST', `/archive/holds/${hold.holdId}/release`, supervisorA, { reason: 'again' });
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'hold.released']);
    expect((await api('POST', '/archive/holds/not-a-uuid/release', supervisorA, { reason: 'bad id' })).statusCode).toBe(400);
  });

  it('supervisors extend a retention, never shorten it', async () => {
    const ok = await api('POST', `/archive/sessions/${inA}/retention`, supervisorA, { retainUntil: '2040-01-01T00:00:00.000Z', reason: 'contract to 2039' });
    expect([ok.statusCode, ok.json().retainUntil]).toEqual([200, '2040-01-01T00:00:00.000Z']);
    expect((await server.archive.store.protection(`archive/${inA}/recording.mp4`)).retainUntil).toBe('2040-01-01T00:00:00.000Z');
    const shorter = await api('POST', `/archive/sessions/${inA}/retention`, supervisorA, { retainUntil: '2035-01-01T00:00:00.000Z', reason: 'shorter' });
    expect([shorter.statusCode, shorter.json().error.code]).toEqual([409, 'retention.not_later']);
    expect((await api('POST', `/archive/sessions/${inA}/retention`, supervisorA, { retainUntil: 'soon', reason: 'bad date' })).statusCode).toBe(400);
    expect((await api('POST', `/archive/sessions/${inB}/retention`, supervisorA, { retainUntil: '2040-01-01T00:00:00.000Z', reason: 'other branch' })).statusCode).toBe(403);
  });

  it('has no route that deletes or overwrites evidence', async () => {
    const evidenceRoutes = server.http.routeAuth.filter((r) => /\/archive|\/audit/.test(r.url));
    expect(evidenceRoutes.filter((r) => ['DELETE', 'PUT', 'PATCH'].includes(r.method))).toEqual([]);
    expect((await api('DELETE', `/archive/sessions/${inA}`, adminAll)).statusCode).toBe(404);
    expect((await api('PUT', `/archive/sessions/${inA}/files/recording.mp4`, adminAll)).statusCode).toBe(404);
  });
});

describe('audit log', () => {
  it('supervisors read the entries of their branches, head office all; each read is audited', async () => {
    const a = (await api('GET', '/audit?limit=1000', supervisorA)).json<{ entries: AuditEntry[] }>().entries;
    expect(a.length).toBeGreaterThan(0);
    expect(new Set(a.map((e) => e.branchId))).toEqual(new Set(['br-a']));
    const all = (await api('GET', '/audit?limit=1000', adminAll)).json<{ entries: AuditEntry[] }>().entries;
    expect(all.some((e) => e.branchId === 'br-b')).toBe(true);
    expect(all.some((e) => e.action === 'audit.read')).toBe(true);
    const only = (await api('GET', `/audit?target=session:${inA}`, supervisorAll)).json<{ entries: AuditEntry[] }>().entries;
    expect(new Set(only.map((e) => e.target))).toEqual(new Set([`session:${inA}`]));
    expect((await api('GET', '/audit', reviewerA)).statusCode).toBe(403);
    expect((await api('GET', '/audit?fromSeq=0', adminAll)).statusCode).toBe(400);
    expect((await api('GET', '/audit?limit=5000', adminAll)).statusCode).toBe(400);
  });

  it('admins verify the chain; an edited row is named', async () => {
    const ok = await api('GET', '/audit/verify', adminAll);
    expect(ok.json()).toMatchObject({ ok: true, firstBroken: null });
    expect((await api('GET', '/audit/verify', supervisorAll)).statusCode).toBe(403);
    expect((await api('GET', '/audit/verify?fromSeq=x', adminAll)).statusCode).toBe(400);
    await sql`UPDATE audit_log SET actor = ${'staff:someone-else'} WHERE seq = 2`.execute(server.archive.db);
    const broken = await api('GET', '/audit/verify', adminAll);
    expect(broken.json()).toMatchObject({ ok: false, firstBroken: { seq: 2, reason: 'entry 2 was altered: its content does not hash to its recorded content hash' } });
  });
});
