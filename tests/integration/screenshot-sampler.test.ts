// The screenshot sampler on real segments (FFmpeg-recorded, sealed and ingested like a booth's):
// the schedule's times inside each segment, face flags from the real detector, resuming from the
// per-session cursor after a restart, passing over a corrupt segment, and the live monitor route.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { mkdir, mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/platform/log.js';
import { MonitorList } from '../../src/protocol/review-api.js';
import { parseServerConfig } from '../../src/server/config.js';
import { ReviewConfig } from '../../src/server/review/machine/review-config.js';
import { ScreenshotSampler } from '../../src/server/review/screenshots/sampler.js';
import { Server } from '../../src/server/server.js';
import { writeCameraImage, FACES } from '../helpers/faces.js';
import { recordOpenMediaSession } from '../helpers/media-session.js';
import { writeCameraVideo } from '../helpers/review-session.js';
import { srcSessionCode } from '../helpers/session-code.js';
import { ensureBranches, staffLogin } from '../helpers/staff.js';

const silent = createLogger('test', 'silent');
let dir: string;
let server: Server;
let faceThenRoom: string;
let plain: string;

const sampler = (segmentsPerSweep = 30, yieldMs?: number) =>
  new ScreenshotSampler(
    { db: server.archive.db, store: server.archive.store, keys: server.archive.keys, ff: server.ffmpeg, engines: server.machine.engines, config: ReviewConfig.parse({ screenshots: { segmentsPerSweep, yieldMs } }), workDir: join(dir, 'work') },
    silent,
  );
const cursor = (sessionId: string) => server.archive.db.selectFrom('screenshot_cursors').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
const times = async (sessionId: string) => (await server.machine.screenshots.list(sessionId)).map((s) => s.atSec);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-screenshots-'));
  // A folder a crashed sampler left (a decrypted segment in it), two hours ago: the server removes it at start-up.
  const stale = join(dir, 'server', 'work', 'shots-crashed-0-0123456789ab');
  await mkdir(stale, { recursive: true });
  await writeFile(join(stale, 'segment.ts'), 'plaintext');
  await utimes(stale, new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000));
  // The server's own sampler is off: these tests run sweeps themselves.
  server = await Server.create(parseServerConfig({ dataDir: join(dir, 'server'), port: 0, machineReview: { screenshots: { enabled: false } } }), { log: silent });
  await ensureBranches(server, ['br-a', 'br-b']);
  writeCameraImage(FACES.a, join(dir, 'a.jpg'));
  writeCameraVideo(join(dir, 'cam.mp4'), [{ image: join(dir, 'a.jpg'), seconds: 12 }, { image: null, seconds: 60 }]);
  // 68 s: the first minute every 5 s, then 60 s; a face until 12 s, then an empty room.
  faceThenRoom = (await recordOpenMediaSession(srcSessionCode, server.ffmpeg, server.ingest, dir, { seconds: 68, camera: join(dir, 'cam.mp4'), branchId: 'br-a' })).sessionId;
  plain = (await recordOpenMediaSession(srcSessionCode, server.ffmpeg, server.ingest, dir, { seconds: 12, branchId: 'br-a' })).sessionId;
  // Segment 1 of `plain` (4-8 s, holding its 5 s screenshot) is damaged in the store.
  const key = (await server.archive.db.selectFrom('segments').select('storage_key').where('session_id', '=', plain).where('seq', '=', 1).executeTakeFirstOrThrow()).storage_key;
  const bytes = await server.archive.store.get(key);
  randomBytes(256).copy(bytes, bytes.length - 1024);
  await writeFile(server.archive.store.localPath(key)!, bytes);
}, 300_000);

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('screenshot sampler', () => {
  it('the server removed the stale work folder a crashed run left', async () => {
    expect(await readdir(join(dir, 'server', 'work'))).not.toContain('shots-crashed-0-0123456789ab');
  });

  it('samples a few segments per sweep, then resumes from its cursor after a restart without repeating a screenshot', async () => {
    const first = sampler(3);
    await first.sweep();
    await first.close();
    // 3 segments of 4 s: 0, 5, 10.
    expect(await times(faceThenRoom)).toEqual([0, 5, 10]);
    expect(await cursor(faceThenRoom)).toMatchObject({ next_seq: 3, skipped: 0, last_error: null });

    const restarted = sampler();
    await restarted.sweep();
    await restarted.close();
    expect(await times(faceThenRoom)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60]);
    expect((await cursor(faceThenRoom))!.next_seq).toBe(17);
    // A sweep with nothing new stores nothing.
    expect(await sampler().sweep()).toEqual({ stored: 0, skipped: 0 });
  }, 300_000);

  it('flags the screenshots where the camera shows no face, and stores them under the session archive prefix', async () => {
    const shots = await server.machine.screenshots.list(faceThenRoom);
    const flagged = (t: number) => shots.find((s) => s.atSec === t)!.flags;
    for (const t of [0, 5, 10]) expect(flagged(t), `${t} s`).toEqual([]);
    for (const t of [15, 20, 40, 60]) expect(flagged(t), `${t} s`).toEqual(['no_face']);
    expect(shots[0]).toMatchObject({ width: 640, height: 360, faces: 1, distance: null });
    const row = await server.archive.db.selectFrom('screenshots').selectAll().where('session_id', '=', faceThenRoom).where('at_sec', '=', 5).executeTakeFirstOrThrow();
    expect(row.storage_key).toBe(`archive/${faceThenRoom}/screenshots/000005000.jpg`);
    const jpeg = await server.machine.screenshots.image(faceThenRoom, String(row.screenshot_id));
    expect(jpeg.subarray(0, 2).toString('hex')).toBe('ffd8');
    await expect(server.machine.screenshots.image(plain, String(row.screenshot_id))).rejects.toMatchObject({ code: 'screenshot.unknown' });
  });

  it('passed over the corrupt segment and sampled the rest', async () => {
    expect(await times(plain)).toEqual([0, 10]);
    const c = await cursor(plain);
    expect(c).toMatchObject({ next_seq: 3, skipped: 1 });
    expect(c!.last_error).toMatch(/^segment 1: .*authentication/);
  });

  it('lists the sessions recording now with their latest screenshot, in the caller branch scope', async () => {
    const a = await staffLogin(server, { roles: ['supervisor'], branches: ['br-a'] });
    const b = await staffLogin(server, { roles: ['reviewer'], branches: ['br-b'] });
    const res = await server.http.inject({ method: 'GET', url: '/api/v1/monitor/sessions', headers: a.headers });
    expect(res.statusCode).toBe(200);
    const list = MonitorList.parse(res.json());
    const mine = list.sessions.find((s) => s.sessionId === faceThenRoom)!;
    expect(mine).toMatchObject({ branchId: 'br-a', segments: 17 });
    expect(mine.latest).toMatchObject({ atSec: 60, flags: ['no_face'] });
    const other = MonitorList.parse((await server.http.inject({ method: 'GET', url: '/api/v1/monitor/sessions', headers: b.headers })).json());
    expect(other.sessions).toEqual([]);
  });

  it('keeps sampling the other sessions when one fails (broken wrapped key), and backs the failing one off', async () => {
    // The broken session has the oldest waiting segment, so the sweep comes to it first.
    const broken = (await recordOpenMediaSession(srcSessionCode, server.ffmpeg, server.ingest, dir, { seconds: 8, branchId: 'br-a' })).sessionId;
    const fine = (await recordOpenMediaSession(srcSessionCode, server.ffmpeg, server.ingest, dir, { seconds: 8, branchId: 'br-a' })).sessionId;
    await server.archive.db.updateTable('sessions').set({ key_wrap_json: '{"v":1}' }).where('session_id', '=', broken).execute();
    const s = sampler();
    expect(await s.sweep()).toEqual({ stored: 2, skipped: 0 });
    expect(await times(fine)).toEqual([0, 5]);
    expect(await times(broken)).toEqual([]);
    const failed = await cursor(broken);
    expect(failed).toMatchObject({ next_seq: 0, skipped: 0 });
    expect(failed!.last_error).toMatch(/^session \(failure 1, retried in 10 s\): /);
    // Backed off: the next sweep does not try it again (its cursor is untouched).
    expect(await s.sweep()).toEqual({ stored: 0, skipped: 0 });
    expect(await cursor(broken)).toEqual(failed);
    await s.close();
  }, 120_000);

  it('protects a screenshot whose row was stored but whose file a stopped run did not protect yet, when its segment is sampled again', async () => {
    // The session's retention was recorded (as the retention sweep does) while the sampler's run
    // had inserted the 0 s screenshot's row and stopped before protecting its file and moving the cursor.
    const retainUntil = '2040-01-01T00:00:00.000Z';
    const now = new Date().toISOString();
    await server.archive.db.insertInto('evidence_retention').values({ session_id: faceThenRoom, branch_id: 'br-a', retention_class: 'banking-wm', archived_at: now, retain_until: retainUntil, active_holds: 0, store_hold: 0, recorded_at: now }).execute();
    const key = `archive/${faceThenRoom}/screenshots/000000000.jpg`;
    expect((await server.archive.store.protection(key)).retainUntil).toBeNull();
    await server.archive.db.updateTable('screenshot_cursors').set({ next_seq: 0 }).where('session_id', '=', faceThenRoom).execute();
    const s = sampler(1);
    expect(await s.sweep()).toEqual({ stored: 0, skipped: 0 });
    await s.close();
    expect((await server.archive.store.protection(key)).retainUntil).toBe(retainUntil);
    await server.archive.db.updateTable('screenshot_cursors').set({ next_seq: 17 }).where('session_id', '=', faceThenRoom).execute();
  }, 120_000);

  it('close() stops in the middle of a segment (its FFmpeg runs aborted) and leaves the cursor on it', async () => {
    // One 40 s segment: 8 screenshot times (0-35 s), each its own FFmpeg run.
    const long = (await recordOpenMediaSession(srcSessionCode, server.ffmpeg, server.ingest, dir, { seconds: 40, segmentSeconds: 40, branchId: 'br-a' })).sessionId;
    const s = sampler();
    const sweeping = s.sweep();
    while ((await times(long)).length === 0) await new Promise((r) => setTimeout(r, 10));
    await s.close();
    await sweeping;
    expect((await times(long)).length).toBeLessThan(8);
    expect(await cursor(long)).toBeUndefined();
    // The next start samples the rest of the segment.
    const next = sampler();
    await next.sweep();
    await next.close();
    expect(await times(long)).toEqual([0, 5, 10, 15, 20, 25, 30, 35]);
  }, 120_000);

  it('pauses before each segment while segments arrive fast (a backlog draining), not at a live rate', async () => {
    const a = (await recordOpenMediaSession(srcSessionCode, server.ffmpeg, server.ingest, dir, { seconds: 12, branchId: 'br-a' })).sessionId;
    const draining = sampler(30, 300);
    // Segments stored every 20 ms meanwhile (50 a second), as while a booth's backlog drains into the server.
    for (let i = 0; i < 20; i++) draining.noteArrival();
    const arrivals = setInterval(() => draining.noteArrival(), 20);
    const t0 = Date.now();
    try {
      await draining.sweep();
    } finally {
      clearInterval(arrivals);
    }
    // One pause before each of the 3 segments; all sampled all the same.
    expect(draining.pausesForIngest).toBe(3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(await times(a)).toEqual([0, 5, 10]);
    await draining.close();

    const b = (await recordOpenMediaSession(srcSessionCode, server.ffmpeg, server.ingest, dir, { seconds: 12, branchId: 'br-a' })).sessionId;
    const live = sampler(30, 300);
    // 4 segments a second: 16 booths recording live at 4 s segments.
    const liveArrivals = setInterval(() => live.noteArrival(), 250);
    try {
      await live.sweep();
    } finally {
      clearInterval(liveArrivals);
    }
    expect(live.pausesForIngest).toBe(0);
    expect(await times(b)).toEqual([0, 5, 10]);
    await live.close();
  }, 120_000);
});
