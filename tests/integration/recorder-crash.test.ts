// Real FFmpeg killed with SIGKILL mid-session: the booth ends the session as an emergency stop and
// everything sealed before the kill still reaches the archive and verifies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyArchivedSession } from '../../src/server/archive/verify.js';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ segmentSeconds: 1 });
});
afterAll(async () => {
  await stack?.close();
});

describe('recorder crash', () => {
  it('keeps what was sealed and archives it as an emergency stop', async () => {
    const { sessionId } = (await stack.booth.handle({ type: 'startSession', productId: 'demo-fund-001' })) as { sessionId: string };
    await waitFor(async () => ((await stack.booth.state()).session?.segmentsSealed ?? 0) >= 2, 30_000, 'two sealed segments');
    const { execFileSync } = await import('node:child_process');
    // The recorder is the only ffmpeg child writing into this session's spool folder.
    const pids = execFileSync('pgrep', ['-f', `spool/${sessionId}`]).toString().trim().split('\n').map(Number);
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    const state = await waitFor(async () => {
      const s = (await stack.booth.state()).session;
      return s && (s.phase === 'archived' || s.phase === 'failed') ? s : null;
    }, 60_000, 'the interrupted session to reach the archive');
    expect(state.phase).toBe('archived');
    expect(state.error).toMatch(/the recorder \(ffmpeg\) was killed by SIGKILL/);
    const row = await stack.server.archive.db.selectFrom('sessions').select('manifest_json').where('session_id', '=', sessionId).executeTakeFirstOrThrow();
    expect(JSON.parse(row.manifest_json!)).toMatchObject({ endReason: 'emergency-stop' });
    const report = await verifyArchivedSession(stack.server.archive, stack.server.ffmpeg, sessionId);
    expect(report.problems).toEqual([]);
  });

  it('starts a new session afterwards', async () => {
    const { sessionId } = (await stack.booth.handle({ type: 'startSession', productId: 'demo-fund-001' })) as { sessionId: string };
    await waitFor(async () => ((await stack.booth.state()).session?.segmentsSealed ?? 0) >= 1, 30_000, 'a sealed segment');
    await stack.booth.handle({ type: 'stopSession' });
    const s = await waitFor(async () => {
      const v = (await stack.booth.state()).session;
      return v?.phase === 'archived' ? v : null;
    }, 60_000, 'archive');
    expect(s.sessionId).toBe(sessionId);
  });
});
