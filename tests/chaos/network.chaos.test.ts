// The booth's link to the centre fails the ways branch links do: a TCP proxy on 127.0.0.1 drops
// and stalls connections, and the server process is killed with SIGKILL mid-upload and started
// again. The booth must resume without loss or duplicates: every segment acknowledged once, the
// server's copy identical, both sessions archived and verified. DUALREC_CHAOS_CUT_SECONDS sets how
// long each cut lasts (default 3; set 120+ for minutes).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Booth } from '../../src/booth/booth.js';
import { parseBoothConfig } from '../../src/booth/config.js';
import { resolveFfmpeg } from '../../src/platform/ffmpeg.js';
import { createLogger } from '../../src/platform/log.js';
import type { FaultKind } from '../../src/protocol/faults.js';
import { openArchiveStore } from '../../src/server/archive-store.js';
import { verifyArchivedSession } from '../../src/server/archive/verify.js';
import { assertBuilt, DualrecProcess, killGroup, query, sleep, until } from './processes.js';
import { TcpProxy } from './tcp-proxy.js';

const CUT_MS = Number(process.env.DUALREC_CHAOS_CUT_SECONDS ?? 3) * 1000;

let dir: string;
let serverDir: string;
let port = 0;
let server: DualrecProcess | null = null;
let proxy: TcpProxy;
let booth: Booth;
const groups: number[] = [];

async function startServer(): Promise<void> {
  server = DualrecProcess.start(['server', '--data', serverDir, '--port', String(port)]);
  groups.push(server.pid);
  const m = await server.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/, 30_000);
  port = Number(m[1]);
}

const serverDb = () => join(serverDir, 'server.sqlite');
const acked = (sessionId: string) => query<{ n: number }>(join(dir, 'booth', 'booth.sqlite'), "SELECT count(*) AS n FROM segments WHERE session_id = ? AND state = 'acknowledged'", sessionId)[0]!.n;

beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), 'dualrec-chaos-net-'));
  serverDir = join(dir, 'server');
  await startServer();
  proxy = await TcpProxy.start(port);
  const enroll = DualrecProcess.start(['enroll-code', '--data', serverDir]);
  const code = (await enroll.waitFor(/^([A-Z0-9]{4}(?:-[A-Z0-9]{4}){3})$/m, 20_000))[1]!;
  await enroll.exited;
  booth = await Booth.create(
    parseBoothConfig({
      name: 'net-chaos',
      dataDir: join(dir, 'booth'),
      server: { url: proxy.url, enrollmentCode: code },
      bridge: { enabled: false },
      capture: { screen: 'none', segmentSeconds: 1 },
      sync: { pollMs: 100, backoffBaseMs: 100, backoffMaxMs: 1000, requestTimeoutMs: 1500, uploadFailingAfterSec: 1, statusEveryMs: 500 },
    }),
    { log: createLogger('booth', process.env.DUALREC_LOG_LEVEL ?? 'silent') },
  );
});

afterAll(async () => {
  await booth?.close();
  await proxy?.close();
  for (const g of groups) killGroup(g);
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function killServerAndRestart(downMs: number): Promise<void> {
  await server!.killGroup();
  await sleep(downMs);
  await startServer();
}

describe('network cuts and server kills during uploads', () => {
  it('resumes without loss or duplicates', async () => {
    const raised: FaultKind[] = [];
    booth.faults.on('raised', (f) => raised.push(f.kind));

    const a = (await booth.handle({ type: 'startSession', productId: 'chaos-fund' })) as { sessionId: string };
    await until(() => acked(a.sessionId) >= 2, 20_000, 'first uploads');
    proxy.set('drop');
    await sleep(CUT_MS);
    proxy.set('pass');
    await sleep(1000);
    proxy.set('stall');
    await sleep(CUT_MS);
    proxy.set('pass');
    const before = acked(a.sessionId);
    await until(() => acked(a.sessionId) > before, 20_000, 'uploads after the cuts');
    await killServerAndRestart(1000);
    await booth.handle({ type: 'stopSession' });

    // The first session's backlog drains while the second records.
    const b = (await booth.handle({ type: 'startSession', productId: 'chaos-fund' })) as { sessionId: string };
    await sleep(1500);
    proxy.set('drop');
    await sleep(CUT_MS);
    proxy.set('pass');
    await until(() => acked(b.sessionId) >= 1, 20_000, 'uploads of the second session');
    await killServerAndRestart(500);
    await sleep(1000);
    await booth.handle({ type: 'stopSession' });

    await until(
      () => {
        const rows = query<{ phase: string; error: string | null }>(join(dir, 'booth', 'booth.sqlite'), 'SELECT phase, error FROM sessions');
        const failed = rows.find((r) => r.phase === 'failed');
        if (failed) throw new Error(`a session failed: ${failed.error}`);
        return rows.every((r) => r.phase === 'archived');
      },
      120_000,
      'both sessions archived',
    );
    expect(raised).toContain('upload.failing');
    await until(() => !booth.faults.active().some((f) => f.kind === 'upload.failing'), 10_000, 'upload.failing cleared');
    // The fault log on the server has the raise and the clear.
    await until(() => query<{ n: number }>(serverDb(), "SELECT count(*) AS n FROM booth_faults WHERE kind = 'upload.failing' AND cleared = 1")[0]!.n >= 1, 20_000, 'the cleared fault on the server');

    await server!.stop();
    const archive = await openArchiveStore(serverDir, { create: false });
    try {
      for (const sessionId of [a.sessionId, b.sessionId]) {
        const mine = query<{ seq: number; cipher_sha256: string; state: string }>(join(dir, 'booth', 'booth.sqlite'), 'SELECT seq, cipher_sha256, state FROM segments WHERE session_id = ? ORDER BY seq', sessionId);
        expect(mine.every((s) => s.state === 'acknowledged')).toBe(true);
        const stored = await archive.db.selectFrom('segments').select(['seq', 'sha256']).where('session_id', '=', sessionId).orderBy('seq').execute();
        expect(stored.map((s) => [s.seq, s.sha256])).toEqual(mine.map((m) => [m.seq, m.cipher_sha256]));
        const report = await verifyArchivedSession(archive, await resolveFfmpeg(null), sessionId);
        expect(report.problems).toEqual([]);
      }
    } finally {
      await archive.close();
    }
  });
});
