// A full disk mid-session, through a small vault quota on a real booth (FFmpeg, SQLite, HTTP):
// `disk.full` within 5 s, the session stopped with what was recorded kept sealed and synced, new
// sessions refused; after purging acknowledged segments the booth records again.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Booth } from '../../src/booth/booth.js';
import { parseBoothConfig } from '../../src/booth/config.js';
import { createLogger } from '../../src/platform/log.js';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';
import { query } from './processes.js';

const KB = 1024;
const vault = { quotaBytes: 1500 * KB, warnFreeBytes: 1200 * KB, refuseFreeBytes: 1000 * KB, stopFreeBytes: 900 * KB, checkEveryMs: 500 };

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ segmentSeconds: 1, booth: { vault } });
});
afterAll(async () => {
  await stack?.close();
});

describe('full disk', () => {
  it('stops the session within 5 s, keeps and syncs what was sealed, refuses new sessions until purged', async () => {
    const booth = stack.booth;
    const dbPath = join(stack.dataDir, 'booth', 'booth.sqlite');
    const { sessionId } = (await booth.handle({ type: 'startSession', productId: 'disk-fund' })) as { sessionId: string };
    const fault = await waitFor(async () => booth.faults.active().find((f) => f.kind === 'disk.full'), 60_000, 'disk.full');
    expect(fault.severity).toBe('critical');
    // The seal that pushed the vault past the stop floor, and how soon the fault followed it.
    const rows = query<{ bytes: number; sealed_at: string }>(dbPath, 'SELECT bytes, sealed_at FROM segments WHERE session_id = ? ORDER BY seq', sessionId);
    let used = 0;
    // Sealed bytes alone, or (when the plaintext spool tipped it) the last seal before the fault.
    const crossing = rows.find((r) => (used += r.bytes) > vault.quotaBytes - vault.stopFreeBytes) ?? rows.filter((r) => r.sealed_at <= fault.since).at(-1)!;
    expect(Date.parse(fault.since) - Date.parse(crossing.sealed_at)).toBeLessThan(5000);
    expect(booth.faults.active().some((f) => f.kind === 'disk.nearly_full')).toBe(false);

    await waitFor(async () => (await booth.state()).session?.phase === 'archived', 60_000, 'the stopped session archived');
    const s = query<{ end_reason: string; error: string }>(dbPath, 'SELECT end_reason, error FROM sessions WHERE session_id = ?', sessionId)[0]!;
    expect(s.end_reason).toBe('emergency-stop');
    expect(s.error).toMatch(/disk is full/);
    const sealed = query<{ n: number }>(dbPath, "SELECT count(*) AS n FROM segments WHERE session_id = ? AND state = 'acknowledged'", sessionId)[0]!.n;
    expect(sealed).toBeGreaterThanOrEqual(2);
    const server = await stack.server.archive.db.selectFrom('segments').select((eb) => eb.fn.countAll<number>().as('n')).where('session_id', '=', sessionId).executeTakeFirstOrThrow();
    expect(Number(server.n)).toBe(sealed);

    // Acknowledged but inside the retention: still on disk, so no new session.
    await expect(booth.handle({ type: 'startSession', productId: 'disk-fund' })).rejects.toThrow(/not enough room to record safely/);

    // Restart the booth with no retention: acknowledged segments are purged and recording works again.
    await booth.close();
    const cfg = parseBoothConfig({
      name: 'test-booth',
      dataDir: join(stack.dataDir, 'booth'),
      server: { url: stack.serverUrl },
      bridge: { enabled: false },
      capture: { screen: 'none', segmentSeconds: 1 },
      sync: { pollMs: 100, backoffBaseMs: 50, backoffMaxMs: 1000 },
      vault: { ...vault, retentionHours: 0, purgeEveryMs: 200 },
    });
    const again = await Booth.create(cfg, { log: createLogger('booth', 'silent') });
    try {
      await waitFor(async () => query<{ n: number }>(dbPath, "SELECT count(*) AS n FROM segments WHERE state = 'purged'")[0]!.n === sealed, 10_000, 'purged segments');
      await waitFor(async () => !again.faults.active().some((f) => f.kind.startsWith('disk.')), 10_000, 'disk faults cleared');
      const next = (await again.handle({ type: 'startSession', productId: 'disk-fund' })) as { sessionId: string };
      expect(next.sessionId).not.toBe(sessionId);
      await again.handle({ type: 'stopSession' });
    } finally {
      await again.close();
    }
  });
});
