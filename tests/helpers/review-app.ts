// The real server (api-fixture) with in-memory machine review ports, for the review routes' tests:
// archived sessions of a branch with a record.json whose manifest carries a kiosk timeline and a
// gap, a booth fault, screenshots, a stored final video, and staff of each review role.
import { randomBytes } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { sha256Hex } from '../../src/core/chain.js';
import type { MachineReport } from '../../src/protocol/review.js';
import { derivedKey } from '../../src/server/archive/derived-files.js';
import { openApiFixture, type ApiFixture } from './api-fixture.js';
import { boothIn, insertArchivedSession } from './evidence-fixture.js';
import { MemoryMachineReports, MemoryScreenshots, reportOf } from './review-ports.js';
import { staffLogin } from './staff.js';

export type Headers = Record<string, string>;

export interface ReviewApp {
  fx: ApiFixture;
  reports: MemoryMachineReports;
  screenshots: MemoryScreenshots;
  /** An archived session of `branchId` with timeline, gap, fault, screenshots and a final video; returns its id and video bytes. */
  session(branchId: string, verdict?: MachineReport['verdict'] | null): Promise<{ sessionId: string; video: Buffer }>;
  login(roles: Parameters<typeof staffLogin>[1]['roles'], branches: Parameters<typeof staffLogin>[1]['branches']): Promise<{ headers: Headers; staffId: string; username: string }>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, checked field by field in the tests (like inject's res.json())
  call(method: InjectOptions['method'], url: string, headers: Headers, payload?: unknown): Promise<{ status: number; body: any; headers: Record<string, unknown>; raw: Buffer }>;
  auditOf(action: string): Promise<Array<{ actor: string; target: string; branchId: string | null; details: Record<string, unknown> }>>;
  close(): Promise<void>;
}

export async function openReviewApp(): Promise<ReviewApp> {
  const reports = new MemoryMachineReports();
  const screenshots = new MemoryScreenshots();
  const fx = await openApiFixture({ review: { sweepMs: 600_000, webhooks: { pollMs: 600_000 } } }, { review: { reports, screenshots } });
  const db = fx.server.archive.db;
  const store = fx.server.archive.store;
  const booths = new Map<string, string>();
  let shot = 0;
  return {
    fx,
    reports,
    screenshots,
    async session(branchId, verdict = 'needs_review') {
      const boothId = booths.get(branchId) ?? (await boothIn(db, branchId));
      booths.set(branchId, boothId);
      const startedAt = new Date(Date.now() - 120_000).toISOString();
      const at = (sec: number) => new Date(Date.parse(startedAt) + sec * 1000).toISOString();
      const face = { check: 'face', passed: false, source: 'engine', score: 0.61, threshold: 0.42, faces: 1, engine: 'face-api', staffId: null, note: null };
      const timeline = [
        { seq: 0, at: at(-5), sessionSec: null, event: { type: 'languageChanged', language: 'zh-CN' } },
        { seq: 1, at: at(3), sessionSec: 3, event: { type: 'faceChecked', attempt: 1, result: face } },
        { seq: 2, at: at(4), sessionSec: 4, event: { type: 'faceChecked', attempt: 2, result: { ...face, passed: true, score: 0.3 } } },
        { seq: 3, at: at(5), sessionSec: 5, event: { type: 'disclosureStarted', round: 1 } },
        { seq: 4, at: at(40), sessionSec: 40, event: { type: 'disclosureEnded', round: 1, positionSec: 35, watchedSec: 35 } },
      ];
      const record = { v: 1, manifest: { startedAt, gaps: [{ afterSeq: 4, startSec: 20, durationSec: 2.5, reason: 'recorder restarted' }], timeline } };
      const sessionId = await insertArchivedSession(db, store, { boothId, startedAt, record });
      const video = randomBytes(4096);
      await store.put(derivedKey(sessionId, 'final-video'), video);
      const now = new Date().toISOString();
      await db.insertInto('derived_files').values({ session_id: sessionId, kind: 'final-video', storage_key: derivedKey(sessionId, 'final-video'), media_type: 'video/mp4', sha256: sha256Hex(video), bytes: video.length, duration_sec: 60, source_sha256: '0'.repeat(64), created_at: now }).execute();
      await db
        .insertInto('booth_faults')
        .values({ booth_id: boothId, kind: 'camera.lost', severity: 'error', message: 'camera unplugged', session_id: sessionId, session_key: sessionId, since: at(25), last_seen: at(26), count: 1, cleared_at: null, cleared: 0, received_at: now })
        .execute();
      for (const [atSec, flags] of [[14, ['no_face']], [30, []]] as const) {
        screenshots.add({ screenshotId: String(++shot), sessionId, atSec, at: at(atSec), width: 320, height: 180, faces: flags.length ? 0 : 1, distance: null, flags: [...flags] }, Buffer.from(`jpeg ${shot}`));
      }
      if (verdict) {
        const report = reportOf(sessionId, verdict, [
          { code: 'face_absent', severity: verdict === 'fail' ? 'fail' : 'review', message: 'no face for 20 s', atSec: 12, endSec: 32 },
          { code: 'confirmation_missing', severity: 'review', message: 'no confirmation heard', atSec: null, endSec: null },
        ]);
        reports.reports.set(sessionId, report);
        await fx.server.review.listener.machineReviewed(sessionId, report);
        await fx.server.review.settled();
      }
      return { sessionId, video };
    },
    async login(roles, branches) {
      const l = await staffLogin(fx.server, { roles, branches });
      return { headers: l.headers, staffId: l.principal.staffId, username: l.username };
    },
    async call(method, url, headers, payload) {
      const res = await fx.server.http.inject({ method, url: `/api/v1${url}`, headers, ...(payload === undefined ? {} : { payload: payload as InjectOptions['payload'] }) });
      const json = res.headers['content-type']?.toString().includes('json') && res.body ? res.json() : null;
      return { status: res.statusCode, body: json, headers: res.headers, raw: res.rawPayload };
    },
    async auditOf(action) {
      const rows = await db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('seq').execute();
      return rows.map((r) => ({ actor: r.actor, target: r.target, branchId: r.branch_id, details: JSON.parse(r.details_json) as Record<string, unknown> }));
    },
    close: () => fx.close(),
  };
}
