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
import type { MachineReviewListener } from '../../src/server/review/ports.js';
import { Server } from '../../src/server/server.js';
import { writeCheckMedia } from '../helpers/check-media.js';
import { recordMediaSession, type MediaSessionOptions } from '../helpers/media-session.js';
import { flowTimeline, writeCameraVideo, writeMicTrack, type FlowOptions } from '../helpers/review-session.js';
import { srcSessionCode } from '../helpers/session-code.js';
import { KWS_MODEL_DIR } from '../helpers/speech.js';
import { waitFor } from '../helpers/stack.js';

let dir: string;
let server: Server;
const heard: Array<{ sessionId: string; verdict: string }> = [];
const listener: MachineReviewListener = {
  machineReviewed: async (sessionId, report) => {
    heard.push({ sessionId, verdict: report.verdict });
  },
};
const customerId = randomUUID();
const sessions: Record<string, string> = {};

const codes = (r: MachineReport) => r.findings.map((f) => f.code).sort();

async function record(name: string, o: MediaSessionOptions, flow: Omit<FlowOptions, 'startedAt' | 'sessionId'>): Promise<void> {
  const s = await recordMediaSession(srcSessionCode, server.ffmpeg, server.ingest, dir, { ...o, timeline: (startedAt, sessionId) => flowTimeline({ ...flow, startedAt, sessionId }) });
  sessions[name] = s.sessionId;
}

const report = (name: string) => waitFor(() => server.review.reports.get(sessions[name]!), 300_000, `the machine report of the ${name} session`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-machine-review-'));
  server = await Server.create(parseServerConfig({ dataDir: join(dir, 'server'), port: 0, jobPollMs: 100, review: { kwsModelDir: KWS_MODEL_DIR, screenshots: { sweepMs: 500 } } }), {
    log: createLogger('server', process.env.DUALREC_LOG_LEVEL ?? 'silent'),
    machineReviewListener: listener,
  });
  const { enrolledA } = await writeCheckMedia(dir);
  // The customer as the server knows them: branch, record and the enrolled face (descriptor of photo a).
  const now = new Date().toISOString();
  const db = server.archive.db;
  await db.insertInto('branches').values({ branch_id: 'br-a', name: 'Branch A', created_at: now }).execute();
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
    expect(heard).toContainEqual({ sessionId: sessions.clean, verdict: 'pass' });
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
});
