// The review workflow on a session recorded with real media (FFmpeg segments, sealed, ingested,
// archived by the server's own worker with its derived files): the session page's timeline is
// placed by the real record.json's manifest, the player's link serves the real
// final video by Range, a reviewer rejects, a supervisor overturns, and the audit log has both.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolveFfmpeg } from '../../../src/platform/ffmpeg.js';
import { recordMediaSession } from '../../helpers/media-session.js';
import { openReviewApp, type ReviewApp } from '../../helpers/review-app.js';
import { reportOf } from '../../helpers/review-ports.js';
import { srcSessionCode } from '../../helpers/session-code.js';
import { waitFor } from '../../helpers/stack.js';

let app: ReviewApp;
let dir: string;
beforeAll(async () => {
  app = await openReviewApp();
  dir = await mkdtemp(join(tmpdir(), 'dualrec-review-rec-'));
});
afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

it('a real archived session: timeline from record.json, final video by Range, reject, overturn, audited', async () => {
  const ff = await resolveFfmpeg();
  const server = app.fx.server;
  const rec = await recordMediaSession(srcSessionCode, ff, server.ingest, dir, { seconds: 8, width: 320, height: 240, branchId: 'br-a' });
  await waitFor(async () => (await server.archive.db.selectFrom('sessions').select('status').where('session_id', '=', rec.sessionId).executeTakeFirst())?.status === 'archived', 180_000, 'the session to be archived');
  const { sessionId } = rec;
  // A booth fault 5 s into the recording (as the booth reports it) and a finding at 6 s.
  const since = new Date(Date.parse(rec.manifest.startedAt) + 5000).toISOString();
  await server.archive.db
    .insertInto('booth_faults')
    .values({ booth_id: rec.boothId, kind: 'mic.lost', severity: 'error', message: 'microphone unplugged', session_id: sessionId, session_key: sessionId, since, last_seen: since, count: 1, cleared_at: null, cleared: 0, received_at: since })
    .execute();
  const report = reportOf(sessionId, 'needs_review', [{ code: 'fault_during_recording', severity: 'review', message: 'microphone lost', atSec: 6, endSec: null }]);
  app.reports.reports.set(sessionId, report);
  await server.review.listener.machineReviewed(sessionId, report);
  const rev = await app.login(['reviewer'], ['br-a']);
  const sup = await app.login(['supervisor'], '*');
  expect((await app.call('POST', '/review/heartbeat', rev.headers)).body).toEqual({ online: true, open: 1 });

  const detail = (await app.call('GET', `/review/sessions/${sessionId}`, rev.headers)).body;
  expect(detail.item).toMatchObject({ status: 'assigned', branchId: 'br-a', assignee: { staffId: rev.staffId } });
  expect(detail.media).toEqual({ video: 'final-video.mp4', audio: 'audio.m4a', thumbnails: 'thumbnails.jpg' });
  expect(rec.manifest.timeline).toBeUndefined(); // recorded without the kiosk flow: no flow entries
  expect(detail.timeline).toEqual([
    { atSec: 5, kind: 'fault', label: 'mic.lost', detail: 'error: microphone unplugged', flagged: true, screenshotId: null },
    { atSec: 6, kind: 'finding', label: 'fault_during_recording', detail: 'microphone lost', flagged: true, screenshotId: null },
  ]);

  const { url } = (await app.call('POST', `/review/sessions/${sessionId}/media-link`, rev.headers, { name: detail.media.video })).body;
  const whole = Buffer.from(await (await fetch(new URL(url, app.fx.base))).arrayBuffer());
  const head = await fetch(new URL(url, app.fx.base), { headers: { range: 'bytes=0-1023' } });
  expect([head.status, head.headers.get('content-type')]).toEqual([206, 'video/mp4']);
  expect(Buffer.from(await head.arrayBuffer()).equals(whole.subarray(0, 1024))).toBe(true);
  // What the player gets is the video the archive made: FFmpeg reads it from the link.
  // (asynchronously: the server answering it runs in this process)
  const probe = await promisify(execFile)(ff.ffprobe!, ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', new URL(url, app.fx.base).href], { encoding: 'utf8' });
  expect(probe.stdout.split('\n').filter(Boolean).sort()).toEqual(['aac', 'h264']);

  const rejected = await app.call('POST', `/review/sessions/${sessionId}/decision`, rev.headers, { decision: 'reject', reasons: ['recording_defective'], comment: 'no sound after 5 s' });
  expect(rejected.body).toMatchObject({ status: 'rejected', outcome: 'rejected' });
  const from = new Date(Date.now() - 3600_000).toISOString();
  const to = new Date(Date.now() + 3600_000).toISOString();
  const sample = (await app.call('GET', `/supervision/sample?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&rate=1`, sup.headers)).body;
  const decision = sample.decisions.find((d: { sessionId: string }) => d.sessionId === sessionId);
  const over = await app.call('POST', `/supervision/decisions/${decision.decisionId}/check`, sup.headers, { outcome: 'overturned', comment: 'the sound is back at 6 s; nothing was missed' });
  expect(over.body.check).toMatchObject({ outcome: 'overturned' });
  expect((await app.call('GET', `/review/sessions/${sessionId}`, sup.headers)).body.item).toMatchObject({ status: 'accepted', outcome: 'accepted' });
  const trail = (await server.archive.db.selectFrom('audit_log').select(['action', 'actor']).where('target', '=', `session:${sessionId}`).orderBy('seq').execute()).map((e) => `${e.action} ${e.actor}`);
  expect(trail).toEqual(
    expect.arrayContaining([`review.assign system`, `review.read staff:${rev.staffId}`, `review.media_link staff:${rev.staffId}`, `review.media staff:${rev.staffId}`, `review.decide staff:${rev.staffId}`, `supervision.check staff:${sup.staffId}`]),
  );
  expect(trail.indexOf(`review.decide staff:${rev.staffId}`)).toBeLessThan(trail.indexOf(`supervision.check staff:${sup.staffId}`));
}, 300_000);
