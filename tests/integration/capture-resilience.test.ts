// Real FFmpeg killed with SIGKILL at random moments, and a camera that goes away: the supervisor
// must resume into the same session quickly, lose little, record every gap, and keep the rest.
import { execFileSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionManifest } from '../../src/protocol/envelope.js';
import { verifyArchivedSession } from '../../src/server/archive/verify.js';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';

const KILLS = Number(process.env.DUALREC_CAPTURE_KILLS ?? 10);

function ffmpegPids(sessionId: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', `spool/${sessionId}/run-`]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('capture supervisor', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ segmentSeconds: 2, keep: process.env.DUALREC_KEEP === '1' });
    if (process.env.DUALREC_KEEP === '1') console.info(`data in ${stack.dataDir}`);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it(`resumes into the same session after ${KILLS} kills, losing at most 1.5 s each, and records each gap`, async () => {
    const { sessionId } = (await stack.booth.handle({ type: 'startSession', productId: 'demo-fund-001' })) as { sessionId: string };
    await waitFor(async () => ffmpegPids(sessionId).length === 1 && ((await stack.booth.state()).session?.segmentsSealed ?? 0) >= 1, 20_000, 'recording');
    const resumeMs: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      await sleep(1200 + Math.random() * 2500);
      const [pid] = ffmpegPids(sessionId);
      expect(pid, `an ffmpeg is recording before kill ${k + 1}`).toBeDefined();
      const killedAt = Date.now();
      process.kill(pid!, 'SIGKILL');
      await waitFor(async () => {
        const now = ffmpegPids(sessionId);
        return now.length === 1 && now[0] !== pid;
      }, 3000, `a new ffmpeg after kill ${k + 1}`);
      resumeMs.push(Date.now() - killedAt);
    }
    await sleep(2500);
    const faults = (await stack.booth.state()).faults;
    expect(faults.find((f) => f.kind === 'recorder.crashed' && f.sessionId === sessionId)?.count).toBe(KILLS);
    await stack.booth.handle({ type: 'stopSession' });
    await waitFor(async () => (await stack.booth.state()).session?.phase === 'archived', 90_000, 'archive');
    expect(ffmpegPids(sessionId)).toEqual([]);

    const row = await stack.server.archive.db.selectFrom('sessions').select('manifest_json').where('session_id', '=', sessionId).executeTakeFirstOrThrow();
    const manifest = SessionManifest.parse(JSON.parse(row.manifest_json!));
    expect(manifest.endReason).toBe('completed');
    expect(manifest.gaps).toHaveLength(KILLS);
    for (const g of manifest.gaps) {
      expect(g.reason).toMatch(/killed by SIGKILL/);
      expect(g.durationSec).toBeLessThanOrEqual(1.5);
    }
    expect(Math.max(...resumeMs)).toBeLessThan(3000);
    const report = await verifyArchivedSession(stack.server.archive, stack.server.ffmpeg, sessionId);
    expect(report.problems).toEqual([]);
    // Nothing recorded stays in clear on the booth.
    const spool = await readdir(`${stack.dataDir}/booth/spool/${sessionId}`, { recursive: true });
    expect(spool.filter((f) => String(f).endsWith('.ts'))).toEqual([]);
    console.info(`capture kills: resume ms ${resumeMs.join(', ')}; gaps s ${manifest.gaps.map((g) => g.durationSec).join(', ')}`);
  });
});

describe('camera loss', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ segmentSeconds: 2, booth: { capture: { fake: { cameraSeconds: 4 } } } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('raises camera.lost within 5 s while sound keeps recording', async () => {
    const { sessionId } = (await stack.booth.handle({ type: 'startSession', productId: 'demo-fund-001' })) as { sessionId: string };
    let pcmBytes = 0;
    stack.booth.on('pcm', (p) => (pcmBytes += p.length));
    const fault = await waitFor(async () => (await stack.booth.state()).faults.find((f) => f.kind === 'camera.lost'), 4000 + 5000, 'camera.lost');
    expect(fault).toMatchObject({ sessionId, severity: 'error' });
    const before = pcmBytes;
    await sleep(2000);
    expect(pcmBytes - before).toBeGreaterThan(16_000 * 2 * 1.5);
    expect((await stack.booth.state()).faults.find((f) => f.kind === 'mic.lost')).toBeUndefined();
    await stack.booth.handle({ type: 'stopSession' });
    await waitFor(async () => (await stack.booth.state()).session?.phase === 'archived', 60_000, 'archive');
  });
});
