// kill -9 of the booth process at random points of many sessions (while recording, while
// stopping, while syncing; half of the kills take FFmpeg down too, as power loss does). Afterwards
// every sealed segment must be in the archive exactly once, every chain must verify, and nothing
// may be left stuck on the booth. DUALREC_CHAOS_SESSIONS sets the number of sessions (default 5).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/platform/log.js';
import { verifyArchivedSession } from '../../src/server/archive/verify.js';
import { parseServerConfig } from '../../src/server/config.js';
import { Server } from '../../src/server/server.js';
import { assertBuilt, DualrecProcess, killGroup, query, ROOT, sleep, until } from './processes.js';

const SESSIONS = Number(process.env.DUALREC_CHAOS_SESSIONS ?? 5);
const MODES = ['recording', 'stopping', 'syncing'] as const;

let dir: string;
let server: Server;
let cfgPath: string;
const groups: number[] = [];

const boothDb = () => join(dir, 'booth', 'booth.sqlite');

async function startBooth(): Promise<{ proc: DualrecProcess; base: string }> {
  const proc = DualrecProcess.start(['booth', '--config', cfgPath]);
  groups.push(proc.pid);
  const m = await proc.waitFor(/kiosk UI: (http:\/\/127\.0\.0\.1:\d+)\//, 30_000);
  return { proc, base: m[1]! };
}

async function call(base: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}/bridge/v1/call`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const data = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`bridge ${JSON.stringify(body)}: HTTP ${res.status} ${JSON.stringify(data)}`);
  return data;
}

const sealed = (sessionId: string) => query<{ n: number }>(boothDb(), 'SELECT count(*) AS n FROM segments WHERE session_id = ?', sessionId)[0]!.n;

beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), 'dualrec-chaos-kill-'));
  server = await Server.create(parseServerConfig({ dataDir: join(dir, 'server'), port: 0, jobPollMs: 100 }), { log: createLogger('server', 'silent') });
  const url = await server.listen();
  const { code } = await server.ingest.createEnrollmentCode(1);
  cfgPath = join(dir, 'booth.json');
  await writeFile(
    cfgPath,
    JSON.stringify({
      name: 'chaos-booth',
      dataDir: join(dir, 'booth'),
      server: { url, enrollmentCode: code },
      bridge: { port: 0, staticDir: join(ROOT, 'out/renderer') },
      capture: { screen: 'none', segmentSeconds: 1 },
      sync: { pollMs: 100, backoffBaseMs: 50, backoffMaxMs: 1000, statusEveryMs: 1000 },
    }),
  );
});

afterAll(async () => {
  for (const g of groups) killGroup(g);
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe(`kill -9 of the booth during ${SESSIONS} sessions`, () => {
  it('archives every sealed segment exactly once, with verified chains, and leaves nothing stuck', async () => {
    const sessions: string[] = [];
    const kills: string[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const { proc, base } = await startBooth();
      // An FFmpeg orphaned by the previous kill would have been stopped by now (recording lock); make sure.
      if (groups.length > 1) killGroup(groups.at(-2)!);
      const { sessionId } = (await call(base, { type: 'startSession', productId: 'chaos-fund' })) as { sessionId: string };
      sessions.push(sessionId);
      const mode = MODES[i % MODES.length]!;
      await until(() => sealed(sessionId) >= (mode === 'syncing' ? 2 : 1), 20_000, `a sealed segment of session ${i}`);
      if (mode === 'recording') {
        await sleep(Math.random() * 2500);
      } else if (mode === 'stopping') {
        const stopping = call(base, { type: 'stopSession' }).then(
          () => 'stopped',
          (err: Error) => err.message,
        );
        await sleep(Math.random() * 400);
        void stopping;
      } else {
        await call(base, { type: 'stopSession' });
        await sleep(Math.random() * 600);
      }
      const group = i % 2 === 1;
      if (group) await proc.killGroup();
      else await proc.kill9();
      kills.push(`${mode}${group ? '+ffmpeg' : ''} after ${sealed(sessionId)} sealed`);
    }

    const { proc } = await startBooth();
    killGroup(groups.at(-2)!);
    try {
      await until(
        () => {
          const rows = query<{ phase: string; error: string | null }>(boothDb(), 'SELECT phase, error FROM sessions');
          const failed = rows.find((r) => r.phase === 'failed');
          if (failed) throw new Error(`a session failed: ${failed.error}`);
          return rows.length === SESSIONS && rows.every((r) => r.phase === 'archived');
        },
        60_000 + SESSIONS * 5000,
        'every session archived',
      );
      const status = DualrecProcess.start(['booth', 'status', '--config', cfgPath, '--json']);
      const out = await status.waitFor(/\{[\s\S]*\n\}\n/, 20_000);
      await status.exited;
      const view = JSON.parse(out[0]) as { backlog: { segments: number }; sessions: unknown[] };
      expect(view.backlog.segments).toBe(0);
      expect(view.sessions).toEqual([]);
    } finally {
      await proc.stop();
    }

    const stuck = query<{ n: number }>(boothDb(), "SELECT count(*) AS n FROM segments WHERE state != 'acknowledged'")[0]!.n;
    expect(stuck).toBe(0);
    for (const sessionId of sessions) {
      const booth = query<{ seq: number; cipher_sha256: string; link: string }>(boothDb(), 'SELECT seq, cipher_sha256, link FROM segments WHERE session_id = ? ORDER BY seq', sessionId);
      const stored = await server.archive.db.selectFrom('segments').select(['seq', 'sha256', 'link']).where('session_id', '=', sessionId).orderBy('seq').execute();
      expect(stored.map((s) => [s.seq, s.sha256, s.link])).toEqual(booth.map((b) => [b.seq, b.cipher_sha256, b.link]));
      expect(booth.length).toBeGreaterThanOrEqual(1);
      const report = await verifyArchivedSession(server.archive, server.ffmpeg, sessionId);
      expect(report.problems, `session ${sessionId}`).toEqual([]);
    }
    console.info(`booth kills: ${kills.join('; ')}`);
  });
});
