// Machine review on recorded sessions with known defects (issue 8 "Done when"): real FFmpeg
// recordings (a face photo as the camera, then an empty room; espeak-ng speech as the
// microphone), sealed and ingested like a booth's, finalized by the real archive worker, then
// reviewed by the machine_review job with the real face and speech engines. Each session must be
// flagged with exactly its defects, and a clean one passes.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/platform/log.js';
import type { MachineReport } from '../../src/protocol/review.js';
import { parseServerConfig } from '../../src/server/config.js';
import { Server } from '../../src/server/server.js';
import { writeCheckMedia } from '../helpers/check-media.js';
import { recordMediaSession, type MediaSessionOptions } from '../helpers/media-session.js';
import { flowTimeline, writeCameraVideo, type FlowOptions } from '../helpers/review-session.js';
import { srcSessionCode } from '../helpers/session-code.js';
import { KWS_MODEL_DIR, writeMicTrack } from '../helpers/speech.js';
import { waitFor } from '../helpers/stack.js';
import { ensureBranches, staffLogin } from '../helpers/staff.js';
import { MachineReviewer } from '../../src/server/review/machine/machine-reviewer.js';
import { DbMachineReports } from '../../src/server/review/machine/report-store.js';
import { ReviewConfig } from '../../src/server/review/machine/review-config.js';

let dir: string;
let server: Server;
/** The review workflow's item of a session once the machine review told it (status, verdict, finding codes). */
const item = (name: string, verdict: string, codes?: string[]) =>
  waitFor(
    async () => {
      const row = await server.archive.db.selectFrom('review_items').select(['status', 'machine_verdict', 'finding_codes_json']).where('session_id', '=', sessions[name]!).executeTakeFirst();
      return row?.machine_verdict === verdict && (!codes || row.finding_codes_json === JSON.stringify(codes)) ? row : null;
    },
    60_000,
    `the review item of the ${name} session with verdict ${verdict}`,
  );
const customerId = randomUUID();
const sessions: Record<string, string> = {};

const codes = (r: MachineReport) => r.findings.map((f) => f.code).sort();

async function record(name: string, o: MediaSessionOptions, flow: Omit<FlowOptions, 'startedAt' | 'sessionId'>): Promise<void> {
  const s = await recordMediaSession(srcSessionCode, server.ffmpeg, server.ingest, dir, { branchId: 'br-a', ...o, timeline: (startedAt, sessionId) => flowTimeline({ ...flow, startedAt, sessionId }) });
  sessions[name] = s.sessionId;
}

const report = (name: string) => waitFor(() => server.machine.reports.get(sessions[name]!), 300_000, `the machine report of the ${name} session`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-machine-review-'));
  server = await Server.create(parseServerConfig({ dataDir: join(dir, 'server'), port: 0, jobPollMs: 100, machineReview: { kwsModelDir: KWS_MODEL_DIR, screenshots: { sweepMs: 500 } } }), {
    log: createLogger('server', process.env.DUALREC_LOG_LEVEL ?? 'silent'),
  });
  const { enrolledA } = await writeCheckMedia(dir);
  // The customer as the server knows them: branch, record and the enrolled face (descriptor of photo a).
  const now = new Date().toISOString();
  const db = server.archive.db;
  await ensureBranches(server, ['br-a', 'br-b']);
  await db.insertInto('customers').values({ customer_id: customerId, branch_id: 'br-a', name: '张三', id_type: 'cn_resident_id', id_lookup: 'x'.repeat(64), id_key_id: 'k', id_masked: '1101**********1234', created_at: now, created_by: 'cli', updated_at: now }).execute();
  await db.insertInto('customer_faces').values({ customer_id: customerId, model: 'face-api/face_recognition_model', descriptor_json: JSON.stringify(enrolledA), photo_sha256: null, source: 'import', enrolled_at: now, enrolled_by: 'cli' }).execute();

  const face = join(dir, 'a.jpg');
  writeCameraVideo(join(dir, 'cam-face.mp4'), [{ image: face, seconds: 40 }]);
  writeCameraVideo(join(dir, 'cam-absent.mp4'), [{ image: face, seconds: 10 }, { image: null, seconds: 20 }, { image: face, seconds: 16 }]);
  writeMicTrack(join(dir, 'mic-confirm.wav'), 40, 12);
  writeMicTrack(join(dir, 'mic-silent.wav'), 40, null);
  const flow = (speech: FlowOptions['speech']): Omit<FlowOptions, 'startedAt' | 'sessionId'> => ({
    customerId,
    customerSource: 'server',
    disclosure: { atSec: 3, durationSec: 8 },
    face: { atSec: 2, passed: true, source: 'engine', distance: 0.3 },
    speech,
  });
  const passed = { atSec: 18, passed: true, source: 'engine' as const };
  await record('clean', { seconds: 24, camera: join(dir, 'cam-face.mp4'), micAudio: join(dir, 'mic-confirm.wav') }, flow(passed));
  await record('absent', { seconds: 44, camera: join(dir, 'cam-absent.mp4'), micAudio: join(dir, 'mic-confirm.wav') }, flow(passed));
  await record('silent', { seconds: 24, camera: join(dir, 'cam-face.mp4'), micAudio: join(dir, 'mic-silent.wav') }, flow(passed));
  // The camera alone (no screen): a booth recording without screen capture; a recorder restart left a 4 s hole at 18 s.
  await record('gap', { seconds: 36, gapSec: 4, cameraOnly: true, camera: join(dir, 'cam-face.mp4'), micAudio: join(dir, 'mic-confirm.wav') }, flow(passed));
}, 600_000);

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('machine review of recorded sessions', () => {
  it('passes a clean session: face present and matched, confirmation heard after the disclosure', async () => {
    const r = await report('clean');
    expect(codes(r)).toEqual([]);
    expect(r.verdict).toBe('pass');
    expect(r.face!.presentShare).toBe(1);
    expect(r.face!.matchedShare).toBe(1);
    expect(r.speech!.confirmed).toBe(true);
    expect(r.speech!.confirmedAtSec).toBeGreaterThanOrEqual(12);
    expect(r.disclosure).toEqual({ rounds: 1, completed: true, startedAtSec: 3, endedAtSec: 11 });
    expect(r.engines.face).toMatch(/face-api/);
    expect(r.engines.speech).toMatch(/sherpa-onnx/);
    // The review workflow was told: a machine pass is final without a person.
    expect(await item('clean', 'pass')).toMatchObject({ status: 'passed', finding_codes_json: '[]' });
  }, 300_000);

  it('flags a 20 s absence of the face, and only that', async () => {
    const r = await report('absent');
    expect(codes(r)).toEqual(['face_absent']);
    expect(r.verdict).toBe('needs_review');
    const f = r.findings[0]!;
    expect(f.severity).toBe('review');
    expect(f.atSec).toBeGreaterThanOrEqual(9);
    expect(f.atSec).toBeLessThanOrEqual(11);
    expect(r.face!.longestAbsenceSec).toBeGreaterThanOrEqual(19);
    expect(r.face!.longestAbsenceSec).toBeLessThanOrEqual(21);
  }, 300_000);

  it('flags a missing confirmation, and that the booth engine claimed to hear one (booth vs archive)', async () => {
    const r = await report('silent');
    expect(codes(r)).toEqual(['booth_archive_disagreement', 'confirmation_missing']);
    expect(r.verdict).toBe('fail');
    expect(r.speech!.confirmed).toBe(false);
    expect(r.booth.speech).toMatchObject({ passed: true, source: 'engine' });
    expect(await item('silent', 'fail')).toMatchObject({ status: expect.stringMatching(/^(queued|assigned)$/) });
  }, 300_000);

  it('flags a capture gap, and only that, on a camera-only recording', async () => {
    const r = await report('gap');
    expect(codes(r)).toEqual(['recording_gap']);
    expect(r.findings[0]).toMatchObject({ severity: 'review', atSec: 18, endSec: 22 });
    expect(r.face!.presentShare).toBe(1);
    expect(r.speech!.confirmed).toBe(true);
    // No face sample falls in the hole.
    expect(r.face!.samples.filter((s) => s.atSec > 18.5 && s.atSec < 21.5)).toEqual([]);
  }, 300_000);

  it('sampled screenshots of the recordings as they arrived, flagged where the face was missing', async () => {
    const times = async (name: string) => (await server.machine.screenshots.list(sessions[name]!)).map((x) => `${x.atSec}${x.flags.length ? `:${x.flags.join('+')}` : ''}`);
    const deadline = Date.now() + 60_000;
    while ((await server.machine.screenshots.list(sessions.absent!)).length < 9 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const cursors = JSON.stringify(await server.archive.db.selectFrom('screenshot_cursors').selectAll().execute());
    expect(await times('clean')).toEqual(['0', '5', '10', '15', '20']);
    expect(await times('absent'), cursors).toEqual(['0', '5', '10:no_face', '15:no_face', '20:no_face', '25:no_face', '30', '35', '40']);
    // The machine review put the customer's face distance on the screenshots it could measure.
    await report('clean');
    const clean = await server.machine.screenshots.list(sessions.clean!);
    const measured = clean.filter((x) => x.distance !== null);
    expect(measured.length).toBeGreaterThanOrEqual(3);
    for (const x of measured) expect(x.distance!).toBeLessThan(0.42);
  }, 120_000);

  it('serves a screenshot to reviewers in the session branch only, and audits each access', async () => {
    const shot = (await server.machine.screenshots.list(sessions.clean!))[1]!;
    const url = (id: string, session = sessions.clean!) => `/api/v1/review/sessions/${session}/screenshots/${id}`;
    const a = await staffLogin(server, { roles: ['reviewer'], branches: ['br-a'] });
    const b = await staffLogin(server, { roles: ['reviewer'], branches: ['br-b'] });
    const ok = await server.http.inject({ method: 'GET', url: url(shot.screenshotId), headers: a.headers });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toBe('image/jpeg');
    expect(ok.rawPayload.subarray(0, 2).toString('hex')).toBe('ffd8');
    const audited = await server.archive.db.selectFrom('audit_log').selectAll().where('action', '=', 'review.screenshot').where('actor', '=', `staff:${a.principal.staffId}`).execute();
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ target: `session:${sessions.clean}`, branch_id: 'br-a' });
    expect((await server.http.inject({ method: 'GET', url: url(shot.screenshotId), headers: b.headers })).statusCode).toBe(403);
    expect((await server.http.inject({ method: 'GET', url: url('999999'), headers: a.headers })).json()).toMatchObject({ error: { code: 'screenshot.unknown' } });
    // Another session's screenshot id is not this session's.
    expect((await server.http.inject({ method: 'GET', url: url(shot.screenshotId, sessions.gap!), headers: a.headers })).statusCode).toBe(404);
    expect((await server.http.inject({ method: 'GET', url: url('x1'), headers: a.headers })).statusCode).toBe(400);
  });

  it('queues the machine review again for a supervisor, which replaces the report', async () => {
    const before = await report('clean');
    const sup = await staffLogin(server, { roles: ['supervisor'], branches: ['br-a'] });
    const res = await server.http.inject({ method: 'POST', url: `/api/v1/review/sessions/${sessions.clean}/machine-review`, headers: sup.headers });
    expect(res.statusCode).toBe(202);
    const after = await waitFor(async () => {
      const r = await server.machine.reports.get(sessions.clean!);
      return r && r.createdAt > before.createdAt ? r : null;
    }, 300_000, 'the re-run report');
    expect(after.verdict).toBe('pass');
    expect(await server.archive.db.selectFrom('audit_log').select('action').where('action', '=', 'review.machine_requeue').execute()).toHaveLength(1);
    const other = await staffLogin(server, { roles: ['supervisor'], branches: ['br-b'] });
    expect((await server.http.inject({ method: 'POST', url: `/api/v1/review/sessions/${sessions.clean}/machine-review`, headers: other.headers })).statusCode).toBe(403);
  }, 300_000);

  it('stores a report asking for a person when the machine review gives up, and tells the review workflow', async () => {
    const reviewer = new MachineReviewer(
      { db: server.archive.db, store: server.archive.store, ff: server.ffmpeg, workDir: join(dir, 'work'), config: ReviewConfig.parse({}), engines: server.machine.engines, reports: new DbMachineReports(server.archive.db), listener: server.review.listener },
      createLogger('test', 'silent'),
    );
    await reviewer.handler().gaveUp!(sessions.gap!, 'ffmpeg failed (exit code 1)');
    const r = (await server.machine.reports.get(sessions.gap!))!;
    expect(r.verdict).toBe('needs_review');
    expect(r.findings).toEqual([{ code: 'machine_review_error', severity: 'review', message: 'the machine review failed: ffmpeg failed (exit code 1)', atSec: null, endSec: null }]);
    expect(await item('gap', 'needs_review', ['machine_review_error'])).toMatchObject({ finding_codes_json: '["machine_review_error"]' });
  });
});
