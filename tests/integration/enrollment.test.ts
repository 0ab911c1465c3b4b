// Booth enrollment against a real server on 127.0.0.1: the pinned archive key, a code refused on a
// retry (must not crash the booth), enrollment once the server comes up, and an enrolled booth whose
// device key went missing (the key.missing fault; never a silent new key).
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Booth } from '../../src/booth/booth.js';
import { boothMigrations } from '../../src/booth/db/migrations/index.js';
import type { BoothDb } from '../../src/booth/db/schema.js';
import { buildStatusReport } from '../../src/booth/faults/booth-status.js';
import { IdleMonitor } from '../../src/booth/fleet/idle.js';
import { insertNewSession } from '../../src/booth/session-rows.js';
import { SegmentStore } from '../../src/booth/vault/segment-store.js';
import { openSqlite } from '../../src/platform/db.js';
import { parseBoothConfig } from '../../src/booth/config.js';
import { createLogger } from '../../src/platform/log.js';
import { parseServerConfig } from '../../src/server/config.js';
import { Server } from '../../src/server/server.js';
import { waitFor } from '../helpers/stack.js';

const log = (n: string) => createLogger(n, process.env.DUALREC_LOG_LEVEL ?? 'silent');
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'dualrec-enroll-'));
  cleanup.push(() => rm(d, { recursive: true, force: true }));
  return d;
}

async function server(dataDir: string, port = 0): Promise<Server> {
  const s = await Server.create(parseServerConfig({ dataDir, port }), { log: log('server') });
  cleanup.push(() => s.close());
  return s;
}

const boothConfig = (dataDir: string, url: string, code: string, extra: object = {}) =>
  parseBoothConfig({ name: 'enroll-test', dataDir, server: { url, enrollmentCode: code, ...extra }, bridge: { enabled: false } });

describe('booth enrollment', () => {
  it('enrolls when the archive key matches the pinned fingerprint', async () => {
    const dir = await tmp();
    const s = await server(join(dir, 'server'));
    const url = await s.listen();
    const { code } = await s.ingest.createEnrollmentCode();
    const booth = await Booth.create(boothConfig(join(dir, 'booth'), url, code, { archiveKeyId: s.archive.keys.keyId }), { log: log('booth') });
    cleanup.push(() => booth.close());
    expect(booth.boothId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses an archive key other than the pinned one, naming both', async () => {
    const dir = await tmp();
    const s = await server(join(dir, 'server'));
    const url = await s.listen();
    const { code } = await s.ingest.createEnrollmentCode();
    await expect(Booth.create(boothConfig(join(dir, 'booth'), url, code, { archiveKeyId: 'a'.repeat(64) }), { log: log('booth') })).rejects.toThrow(
      /archive key [0-9a-f]{16}… is not the one configured in server\.archiveKeyId \(aaaaaaaaaaaaaaaa…\); refusing to enroll/,
    );
  });

  it('enrolls once the server comes up, and survives a code refused on a retry', async () => {
    const dir = await tmp();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // Server data exists, but nothing listens yet: the booth retries with backoff.
    const s = await server(join(dir, 'server'), port);
    const { code } = await s.ingest.createEnrollmentCode();
    const good = await Booth.create(boothConfig(join(dir, 'good'), url, code), { log: log('booth') });
    cleanup.push(() => good.close());
    const bad = await Booth.create(boothConfig(join(dir, 'bad'), url, 'WRONG-CODE-0000'), { log: log('booth') });
    cleanup.push(() => bad.close());
    expect(good.boothId).toBeNull();
    await s.listen();
    await waitFor(async () => good.boothId, 15_000, 'enrollment after the server came up');
    // The refused booth stays up, unenrolled, and says why in its log (no unhandled rejection).
    await new Promise((r) => setTimeout(r, 2500));
    expect(bad.boothId).toBeNull();
    expect((await bad.state()).boothName).toBe('enroll-test');
  });

  it('an enrolled booth whose device key is missing or damaged raises key.missing, starts no session and makes no new key', { timeout: 60_000 }, async () => {
    const dir = await tmp();
    const s = await server(join(dir, 'server'));
    const url = await s.listen();
    const { code } = await s.ingest.createEnrollmentCode();
    const boothDir = join(dir, 'booth');
    const keyPath = join(boothDir, 'keys', 'device-ed25519.pem');
    const config = boothConfig(boothDir, url, code);
    const first = await Booth.create(config, { log: log('booth') });
    expect(first.boothId).not.toBeNull();
    await first.close();
    const original = await readFile(keyPath);

    const reopen = async () => {
      const b = await Booth.create(config, { log: log('booth') });
      cleanup.push(() => b.close());
      return b;
    };
    const keyFault = async (b: Booth) => (await b.state()).faults.find((f) => f.kind === 'key.missing');

    // A session the booth was recording when it crashed.
    const dbPath = join(boothDir, 'booth.sqlite');
    const crashed = randomUUID();
    const pre = await openSqlite<BoothDb>(dbPath, boothMigrations);
    await insertNewSession(pre, { sessionId: crashed, productId: 'p1', phase: 'recording', keyWrap: { alg: 'RSA-OAEP-256', archiveKeyId: 'a'.repeat(64), wrappedKey: 'AAAA' }, startedAt: new Date().toISOString() });
    await pre.destroy();

    // Missing: the fault says what and what to do; a start is refused; no key appears.
    await rename(keyPath, `${keyPath}.away`);
    const missing = await reopen();
    expect(await keyFault(missing)).toMatchObject({ severity: 'critical', message: expect.stringMatching(/signing key is missing or damaged \(the device key .*device-ed25519\.pem is missing\)\. New recordings cannot start.*restore .*device-ed25519\.pem from the booth's backup/) });
    await expect(missing.handle({ type: 'startSession', productId: 'p1' })).rejects.toMatchObject({ code: 'booth.key_missing' });
    expect(existsSync(keyPath)).toBe(false);
    // The crashed session waits for the key, open, but nothing takes it for a recording.
    expect((await missing.state()).session).toMatchObject({ sessionId: crashed, phase: 'stopping', endedAt: expect.any(String) });
    const side = await openSqlite<BoothDb>(dbPath, boothMigrations);
    try {
      expect(await side.selectFrom('sessions').select(['phase', 'signature']).where('session_id', '=', crashed).executeTakeFirstOrThrow()).toEqual({ phase: 'recording', signature: null });
      const disk = { freeBytes: 1e12, vaultBytes: 0, quotaBytes: null, level: 'ok' } as unknown as Parameters<typeof buildStatusReport>[2];
      expect((await buildStatusReport(side, new SegmentStore(side), disk, 1)).recordingSessionId).toBeNull();
      expect((await new IdleMonitor(side, { busy: false }, {} as never, 0).read()).waitingFor).not.toBe('a session is recording');
    } finally {
      await side.destroy();
    }
    await missing.close();

    // Damaged: the same, and the damaged file is left as it is.
    await writeFile(keyPath, 'not a key');
    const damaged = await reopen();
    expect((await keyFault(damaged))?.message).toMatch(/unreadable or corrupt/);
    expect(await readFile(keyPath, 'utf8')).toBe('not a key');
    await damaged.close();

    // Restored: the fault is cleared (it was stored, so it would otherwise come back).
    await rename(`${keyPath}.away`, keyPath);
    const restored = await reopen();
    expect(await keyFault(restored)).toBeUndefined();
    expect((await readFile(keyPath)).equals(original)).toBe(true);
    expect((await readdir(join(boothDir, 'keys'))).sort()).toEqual(['device-ed25519.pem']);
    // With the key back, the crashed session is signed off.
    const after = await openSqlite<BoothDb>(dbPath, boothMigrations);
    try {
      const row = await after.selectFrom('sessions').select(['phase', 'signature', 'end_reason']).where('session_id', '=', crashed).executeTakeFirstOrThrow();
      expect(row.phase).not.toBe('recording');
      expect(row.signature).not.toBeNull();
      expect(row.end_reason).toBe('emergency-stop');
    } finally {
      await after.destroy();
    }
  });
});
