// Media links, screenshots, the monitor, the heartbeat, a machine review re-run and the admin's
// webhooks, through the real server over real HTTP (the <video> element's way: no Authorization).
import { randomUUID } from 'node:crypto';
import { readdir, readlink } from 'node:fs/promises';
import { SignJWT } from 'jose';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derivedKey } from '../../../src/server/archive/derived-files.js';
import { SigningKeys } from '../../../src/server/auth/signing-keys.js';
import { boothIn, insertArchivedSession } from '../../helpers/evidence-fixture.js';
import { openReviewApp, type Headers, type ReviewApp } from '../../helpers/review-app.js';

let app: ReviewApp;
let rev: { headers: Headers; staffId: string; username: string };
let revB: typeof rev;
let sessionId: string;
let video: Buffer;

beforeAll(async () => {
  app = await openReviewApp();
  rev = await app.login(['reviewer'], ['br-a']);
  revB = await app.login(['reviewer'], ['br-b']);
  ({ sessionId, video } = await app.session('br-a'));
});

afterAll(async () => {
  await app?.close();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(new URL(path, app.fx.base), { headers });

describe('media links', () => {
  let url: string;
  it('a link plays the final video without an Authorization header, whole and by Range; both are audited', async () => {
    const link = await app.call('POST', `/review/sessions/${sessionId}/media-link`, rev.headers, { name: 'final-video.mp4' });
    expect(link.status).toBe(200);
    url = link.body.url;
    expect(url).toMatch(/^\/api\/v1\/media\/[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(Date.parse(link.body.expiresAt) - Date.now()).toBeGreaterThan(3500_000);
    const whole = await get(url);
    expect([whole.status, whole.headers.get('content-type'), whole.headers.get('accept-ranges')]).toEqual([200, 'video/mp4', 'bytes']);
    expect(Buffer.from(await whole.arrayBuffer()).equals(video)).toBe(true);
    const part = await get(url, { range: 'bytes=100-199' });
    expect([part.status, part.headers.get('content-range'), part.headers.get('content-length')]).toEqual([206, `bytes 100-199/${video.length}`, '100']);
    expect(Buffer.from(await part.arrayBuffer()).equals(video.subarray(100, 200))).toBe(true);
    const tail = await get(url, { range: 'bytes=-10' });
    expect(Buffer.from(await tail.arrayBuffer()).equals(video.subarray(video.length - 10))).toBe(true);
    const beyond = await get(url, { range: `bytes=${video.length}-` });
    expect([beyond.status, beyond.headers.get('content-range')]).toEqual([416, `bytes */${video.length}`]);
    expect(((await beyond.json()) as { error: { code: string } }).error.code).toBe('content.bad_range');
    expect((await app.auditOf('review.media_link')).map((e) => [e.actor, e.target, e.details.file])).toEqual([[`staff:${rev.staffId}`, `session:${sessionId}`, 'final-video.mp4']]);
    // Opened twice from the start (whole, and no Range again below); the later Range requests are the player seeking.
    expect((await app.auditOf('review.media')).map((e) => e.details.range)).toEqual([null]);
  });

  it('a tampered, expired or foreign-key token is 401; a disabled account loses its links', async () => {
    const token = url.split('/').at(-1)!;
    const tampered = await get(`/api/v1/media/${token.slice(0, -2)}AA`);
    expect([tampered.status, ((await tampered.json()) as { error: { code: string } }).error.code]).toEqual([401, 'media.invalid']);
    const keys = await SigningKeys.open(app.fx.server.archive.db, 'media_link_keys');
    const past = Math.floor(Date.now() / 1000) - 60;
    const sign = (k: Uint8Array, kid: string, exp: number) => new SignJWT({ ses: sessionId, file: 'final-video.mp4' }).setProtectedHeader({ alg: 'HS256', kid }).setSubject(rev.staffId).setIssuer('dualrec').setAudience('dualrec-media').setIssuedAt(past - 60).setExpirationTime(exp).sign(k);
    const expired = await get(`/api/v1/media/${await sign(keys.signing.key, keys.signing.kid, past)}`);
    expect([expired.status, ((await expired.json()) as { error: { code: string } }).error.code]).toEqual([401, 'media.expired']);
    // A staff token's key does not sign media links.
    const staffKeys = await SigningKeys.open(app.fx.server.archive.db);
    const foreign = await get(`/api/v1/media/${await sign(staffKeys.signing.key, staffKeys.signing.kid, past + 3600)}`);
    expect(foreign.status).toBe(401);
    const other = await app.login(['reviewer'], ['br-a']);
    const link = (await app.call('POST', `/review/sessions/${sessionId}/media-link`, other.headers, { name: 'recording.mp4' })).body.url as string;
    expect((await get(link)).status).toBe(200);
    await app.fx.server.archive.db.updateTable('staff').set({ disabled: 1 }).where('staff_id', '=', other.staffId).execute();
    const gone = await get(link);
    expect([gone.status, ((await gone.json()) as { error: { code: string } }).error.code]).toEqual([401, 'media.revoked']);
  });

  it('an account that lost the reviewer role loses its links (403)', async () => {
    const other = await app.login(['reviewer'], ['br-a']);
    const link = (await app.call('POST', `/review/sessions/${sessionId}/media-link`, other.headers, { name: 'final-video.mp4' })).body.url as string;
    expect((await get(link)).status).toBe(200);
    await app.fx.server.archive.db.updateTable('staff').set({ roles_json: JSON.stringify(['admin']) }).where('staff_id', '=', other.staffId).execute();
    const denied = await get(link);
    expect([denied.status, ((await denied.json()) as { error: { code: string } }).error.code]).toEqual([403, 'media.role']);
  });

  it('an opening whose audit entry cannot be written fails and leaves no file open', async () => {
    const link = (await app.call('POST', `/review/sessions/${sessionId}/media-link`, rev.headers, { name: 'final-video.mp4' })).body.url as string;
    const file = app.fx.server.archive.store.localPath(derivedKey(sessionId, 'final-video'))!;
    const opened = async () => {
      const fds = await readdir('/proc/self/fd');
      return (await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')))).filter((t) => t === file).length;
    };
    const db = app.fx.server.archive.db;
    await sql`CREATE TRIGGER media_audit_down BEFORE INSERT ON audit_log WHEN NEW.action = 'review.media' BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END`.execute(db);
    try {
      const before = await opened();
      const failed = await get(link);
      expect(failed.status).toBe(500);
      await failed.arrayBuffer();
      await new Promise((r) => setTimeout(r, 100)); // a stream opened anyway would hold its descriptor by now
      expect(await opened()).toBe(before);
    } finally {
      await sql`DROP TRIGGER media_audit_down`.execute(db);
    }
    expect((await get(link)).status).toBe(200);
  });

  it('a link only for a file the session has, in scope; sealed segments are never linked', async () => {
    const none = await app.call('POST', `/review/sessions/${sessionId}/media-link`, rev.headers, { name: 'audio.m4a' });
    expect([none.status, none.body.error.code]).toEqual([404, 'evidence.no_file']);
    const bad = await app.call('POST', `/review/sessions/${sessionId}/media-link`, rev.headers, { name: '../segments/000000.seg' });
    expect(bad.status).toBe(400);
    const foreign = await app.call('POST', `/review/sessions/${sessionId}/media-link`, revB.headers, { name: 'final-video.mp4' });
    expect([foreign.status, foreign.body.error.code]).toEqual([403, 'auth.branch']);
  });
});

describe('screenshots, monitor, heartbeat, re-run', () => {
  it('serves a screenshot image in scope, audited; an unknown one is 404', async () => {
    const [first] = await app.screenshots.list(sessionId);
    const r = await app.call('GET', `/review/sessions/${sessionId}/screenshots/${first!.screenshotId}`, rev.headers);
    expect([r.status, r.headers['content-type'], r.raw.toString()]).toEqual([200, 'image/jpeg', 'jpeg 1']);
    expect((await app.call('GET', `/review/sessions/${sessionId}/screenshots/99999`, rev.headers)).status).toBe(404);
    expect((await app.call('GET', `/review/sessions/${sessionId}/screenshots/${first!.screenshotId}`, revB.headers)).status).toBe(403);
    expect((await app.auditOf('review.screenshot')).map((e) => e.details.screenshotId)).toEqual([first!.screenshotId]);
  });

  it('serves a screenshot of a session still recording (the live page) in its booth\'s branch only; an unknown session is 404', async () => {
    const db = app.fx.server.archive.db;
    const live = await insertArchivedSession(db, app.fx.server.archive.store, { boothId: await boothIn(db, 'br-c'), status: 'recording' });
    app.screenshots.add({ screenshotId: '900', sessionId: live, atSec: 0, at: new Date().toISOString(), width: 320, height: 180, faces: 1, distance: null, flags: [] }, Buffer.from('live jpeg'));
    const revC = await app.login(['reviewer'], ['br-c']);
    const r = await app.call('GET', `/review/sessions/${live}/screenshots/900`, revC.headers);
    expect([r.status, r.headers['content-type'], r.raw.toString()]).toEqual([200, 'image/jpeg', 'live jpeg']);
    const outside = await app.call('GET', `/review/sessions/${live}/screenshots/900`, rev.headers);
    expect([outside.status, outside.body.error.code]).toEqual([403, 'auth.branch']);
    expect((await app.call('GET', `/review/sessions/${randomUUID()}/screenshots/900`, revC.headers)).status).toBe(404);
    expect((await app.auditOf('review.screenshot')).filter((e) => e.target === `session:${live}`).map((e) => [e.actor, e.branchId])).toEqual([[`staff:${revC.staffId}`, 'br-c']]);
  });

  it('the monitor lists sessions recording now in scope', async () => {
    const sup = await app.login(['supervisor'], ['br-a']);
    const r = await app.call('GET', '/monitor/sessions', sup.headers);
    expect(r.body.sessions.map((s: { sessionId: string; latest: unknown }) => [s.sessionId, s.latest])).toEqual([[app.fx.booth.sessionId, null]]);
    expect((await app.call('GET', '/monitor/sessions', revB.headers)).body.sessions).toEqual([]);
  });

  it('a heartbeat puts the reviewer online and hands them the queue', async () => {
    const r = await app.call('POST', '/review/heartbeat', rev.headers);
    expect(r.body).toEqual({ online: true, open: 1 });
    expect((await app.auditOf('review.assign')).map((e) => [e.target, e.details.staffId])).toEqual([[`session:${sessionId}`, rev.staffId]]);
  });

  it('a supervisor or admin queues the machine review again (202), audited', async () => {
    const admin = await app.login(['admin'], '*');
    const r = await app.call('POST', `/review/sessions/${sessionId}/machine-review`, admin.headers);
    expect(r.status).toBe(202);
    const jobs = await app.fx.server.archive.db.selectFrom('jobs').select(['kind', 'session_id']).where('kind', '=', 'machine_review').execute();
    expect(jobs).toEqual([{ kind: 'machine_review', session_id: sessionId }]);
    expect((await app.auditOf('review.machine_requeue')).map((e) => [e.actor, e.details])).toEqual([[`staff:${admin.staffId}`, { alreadyQueued: false }]]);
  });
});

describe('webhooks (admin)', () => {
  it('create shows the secret once; list shows delivery health; scoped admins stay in scope; delete', async () => {
    const root = await app.login(['admin'], '*');
    const adminA = await app.login(['admin'], ['br-a']);
    const created = await app.call('POST', '/webhooks', root.headers, { url: 'https://hooks.example/review', events: ['review.machine_failed', 'review.overdue'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: 'https://hooks.example/review', branches: null, pending: 0, lastDelivery: null, secret: expect.stringMatching(/^[\w-]{43}$/) });
    const stored = await app.fx.server.archive.db.selectFrom('webhooks').selectAll().where('webhook_id', '=', created.body.webhookId).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(created.body.secret);
    const listed = await app.call('GET', '/webhooks', root.headers);
    expect(listed.body.webhooks.map((w: { webhookId: string }) => w.webhookId)).toContain(created.body.webhookId);
    expect(JSON.stringify(listed.body)).not.toContain('secret');
    const scoped = await app.call('POST', '/webhooks', adminA.headers, { url: 'http://127.0.0.1:9/a', events: ['review.overdue'] });
    expect(scoped.body.branches).toEqual(['br-a']);
    const outside = await app.call('POST', '/webhooks', adminA.headers, { url: 'http://127.0.0.1:9/b', events: ['review.overdue'], branches: ['br-b'] });
    expect([outside.status, outside.body.error.code]).toEqual([403, 'auth.branch']);
    expect((await app.call('GET', '/webhooks', adminA.headers)).body.webhooks.map((w: { webhookId: string }) => w.webhookId)).toEqual([scoped.body.webhookId]);
    expect((await app.call('DELETE', `/webhooks/${created.body.webhookId}`, adminA.headers)).status).toBe(404);
    const bad = await app.call('POST', '/webhooks', root.headers, { url: 'ftp://x', events: [] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/url/);
    expect((await app.call('DELETE', `/webhooks/${created.body.webhookId}`, root.headers)).status).toBe(204);
    expect((await app.call('DELETE', `/webhooks/${created.body.webhookId}`, root.headers)).status).toBe(404);
    expect((await app.auditOf('webhook.create')).length).toBe(2);
    expect((await app.auditOf('webhook.delete')).map((e) => e.target)).toEqual([`webhook:${created.body.webhookId}`]);
  });
});
