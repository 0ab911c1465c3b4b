// kill -9 of the booth process at random points of many sessions (while recording, while
// stopping, while syncing; half of the kills take FFmpeg down too, as power loss does). Afterwards
// every sealed segment must be in the archive exactly once, every chain must verify, and nothing
// may be left stuck on the booth. DUALREC_CHAOS_SESSIONS sets the number of sessions (default 5).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyArchivedSession } from '../../src/server/archive/verify.js';
import type { Server } from '../../src/server/server.js';
import { ChaosRig, DualrecProcess, query, sleep, until } from './processes.js';

const SESSIONS = Number(process.env.DUALREC_CHAOS_SESSIONS ?? 5);
const MODES = ['recording', 'stopping', 'syncing'] as const;

let rig: ChaosRig;
let server: Server;
let cfgPath: string;

const boothDb = () => rig.boothDb;
const startBooth = () => rig.boothProcess();

async function call(base: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}/bridge/v1/call`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const data = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`bridge ${JSON.stringify(body)}: HTTP ${res.status} ${JSON.stringify(data)}`);
  return data;
}

const sealed = (sessionId: string) => query<{ n: number }>(boothDb(), 'SELECT count(*) AS n FROM segments WHERE session_id = ?', sessionId)[0]!.n;

beforeAll(async () => {
  rig = await ChaosRig.create('dualrec-chaos-kill-');
  ({ server, cfgPath } = rig);
});

afterAll(async () => {
  await rig?.close();
});

describe(`kill -9 of the booth during ${SESSIONS} sessions`, () => {
  it('archives every sealed segment exactly once, with verified chains, and leaves nothing stuck', async () => {
    const sessions: string[] = [];
    const kills: string[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const { proc, base } = await startBooth();
      // An FFmpeg orphaned by the previous kill would have been stopped by now (recording lock); make sure.
      rig.killEarlierBooths();
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
    rig.killEarlierBooths();
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
