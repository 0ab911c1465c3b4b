// Segment lifecycle against a real server on 127.0.0.1: real SQLite on both sides, real sealed
// files, real HTTP. Corruption on the booth's disk, permanent rejections, an unreachable server,
// fault and status delivery, the bandwidth cap, the pipelined upload run and purging.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultReporter } from '../../src/booth/faults/fault-reporter.js';
import { SqliteFaultStore } from '../../src/booth/faults/fault-store.js';
import { buildStatusReport } from '../../src/booth/faults/booth-status.js';
import { StatusReporter } from '../../src/booth/sync/status-reporter.js';
import { SyncLoop, type SyncOptions } from '../../src/booth/sync/sync-loop.js';
import { Purger } from '../../src/booth/vault/purger.js';
import { SegmentStore } from '../../src/booth/vault/segment-store.js';
import { createLogger } from '../../src/platform/log.js';
import { parseServerConfig } from '../../src/server/config.js';
import { BoothReports } from '../../src/server/ingest/booth-reports.js';
import { Server } from '../../src/server/server.js';
import { waitFor } from '../helpers/stack.js';
import { openVaultFixture, recordSession, silent, type VaultFixture } from '../helpers/vault-fixture.js';

let dir: string;
let server: Server;
let fx: VaultFixture;

const syncOpts = (o: Partial<SyncOptions> = {}): SyncOptions => ({
  pollMs: 100,
  backoff: { baseMs: 20, maxMs: 200 },
  parallelSessions: 2,
  maxBytesPerSec: null,
  uploadFailingAfterMs: 60_000,
  ...o,
});

async function startServer(port = 0): Promise<Server> {
  const s = await Server.create(parseServerConfig({ dataDir: join(dir, 'server'), port, jobPollMs: 100 }), { log: createLogger('server', 'silent') });
  await s.listen();
  return s;
}

async function serverSegments(sessionId: string): Promise<number[]> {
  const rows = await server.archive.db.selectFrom('segments').select('seq').where('session_id', '=', sessionId).orderBy('seq').execute();
  return rows.map((r) => r.seq);
}

async function states(sessionId: string): Promise<string[]> {
  const rows = await fx.db.selectFrom('segments').select('state').where('session_id', '=', sessionId).orderBy('seq').execute();
  return rows.map((r) => r.state);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-vault-sync-'));
  server = await startServer();
  const { code } = await server.ingest.createEnrollmentCode(1);
  fx = await openVaultFixture(join(dir, 'booth'), server.url, code);
});

afterAll(async () => {
  await fx?.db.destroy();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('segment lifecycle over real HTTP', () => {
  it('quarantines a segment corrupted on the booth disk, reports it, and keeps other sessions moving', async () => {
    const bad = await recordSession(fx, { segments: 4 });
    const good = await recordSession(fx, { segments: 3 });
    const row = await fx.db.selectFrom('segments').select('file').where('session_id', '=', bad).where('seq', '=', 1).executeTakeFirstOrThrow();
    const path = join(fx.vaultDir, row.file);
    const bytes = await readFile(path);
    bytes[bytes.length - 100]! ^= 0x01;
    await writeFile(path, bytes);

    const faults = new FaultReporter(new SqliteFaultStore(fx.db), silent);
    const reporter = new StatusReporter(fx.client, new SqliteFaultStore(fx.db), () => buildStatusReport(fx.db, new SegmentStore(fx.db), { level: 'ok', freeBytes: 1e9, vaultBytes: 0, quotaBytes: null, checkedAt: null }, faults.active().length), 200, silent, faults, 1);
    const sync = new SyncLoop(fx.db, fx.vaultDir, fx.client, syncOpts(), faults, silent, reporter);
    faults.on('change', () => void faults.flush().then(() => sync.reportNow()));
    sync.start();
    try {
      await waitFor(async () => (await states(good)).every((s) => s === 'acknowledged') && (await states(bad))[1] === 'quarantined', 20_000, 'the good session acknowledged and the bad segment quarantined');
      expect(await states(bad)).toEqual(['acknowledged', 'quarantined', 'sealed', 'sealed']);
      expect(await serverSegments(bad)).toEqual([0]);
      expect(await serverSegments(good)).toEqual([0, 1, 2]);
      const fault = faults.active().find((f) => f.kind === 'segment.corrupted');
      expect(fault).toMatchObject({ severity: 'critical', sessionId: bad });
      expect(fault!.message).toMatch(/Segment 1 is damaged/);

      // The server's per-booth fault log and status receive it.
      const reports = new BoothReports(server.archive.db, silent);
      await waitFor(async () => (await reports.faultLog(fx.identity.boothId)).some((f) => f.kind === 'segment.corrupted'), 10_000, 'the fault on the server');
      // A report built while the good session's last acknowledgement was still being committed can
      // arrive first; wait for one taken after the backlog settled.
      await waitFor(
        async () => {
          const backlog = (await reports.latestStatus(fx.identity.boothId))?.status.backlog;
          return backlog?.quarantined === 1 && backlog.segments === 3;
        },
        10_000,
        'a status report with the quarantined segment and the settled backlog',
      );
      const status = (await reports.latestStatus(fx.identity.boothId))!.status;
      expect(status.backlog).toMatchObject({ segments: 3, quarantined: 1 });
      expect(status.backlog.oldestUnconfirmedAgeSec).toBeGreaterThanOrEqual(0);
      expect((await fx.db.selectFrom('faults').select('kind').whereRef('delivered_version', '<', 'version').execute()).length).toBe(0);
      // Same machine, same clock: even a 1 ms limit is within the round trip's uncertainty.
      expect(faults.active().some((f) => f.kind === 'clock.skew')).toBe(false);
    } finally {
      await sync.close();
      await faults.flush();
    }
  });

  it('quarantines a segment the server rejects permanently instead of retrying it forever', async () => {
    const sessionId = await recordSession(fx, { segments: 2, prevLink: 'f'.repeat(64) });
    const faults = new FaultReporter();
    const sync = new SyncLoop(fx.db, fx.vaultDir, fx.client, syncOpts(), faults, silent);
    sync.start();
    try {
      await waitFor(async () => (await states(sessionId))[0] === 'quarantined', 10_000, 'the rejected segment quarantined');
      const seg = await new SegmentStore(fx.db).get({ sessionId, seq: 0 });
      expect(seg).toMatchObject({ state: 'quarantined', attempts: 1 });
      expect(seg!.last_error).toMatch(/^segment\.chain_break: /);
      expect(faults.active().find((f) => f.kind === 'segment.rejected')).toMatchObject({ sessionId, severity: 'critical' });
      expect(await serverSegments(sessionId)).toEqual([]);
      // An operator release sends it again; the server still refuses it, so it is quarantined again.
      expect(await new SegmentStore(fx.db).releaseQuarantined(sessionId)).toEqual([0]);
      expect((await states(sessionId))[0]).toBe('sealed');
      sync.kick();
      await waitFor(async () => (await new SegmentStore(fx.db).get({ sessionId, seq: 0 }))?.attempts === 2, 10_000, 'the released segment tried again');
      expect((await states(sessionId))[0]).toBe('quarantined');
      expect(faults.active().find((f) => f.kind === 'segment.rejected')?.count).toBe(2);
    } finally {
      await sync.close();
    }
  });

  it('marks uploads failed while the server is down, raises upload.failing, and delivers everything once it is back', async () => {
    const port = Number(new URL(server.url).port);
    await server.close();
    const sessionId = await recordSession(fx, { segments: 3 });
    const faults = new FaultReporter();
    const sync = new SyncLoop(fx.db, fx.vaultDir, fx.client, syncOpts({ uploadFailingAfterMs: 300 }), faults, silent);
    // Register happens first and fails too; pre-register so that a segment upload is what fails.
    await fx.db.updateTable('sessions').set({ server_registered: 1 }).where('session_id', '=', sessionId).execute();
    sync.start();
    try {
      await waitFor(async () => faults.active().some((f) => f.kind === 'upload.failing'), 10_000, 'upload.failing');
      const seg = await new SegmentStore(fx.db).get({ sessionId, seq: 0 });
      expect(seg!.state).toBe('failed');
      expect(seg!.attempts).toBeGreaterThanOrEqual(1);
      expect(seg!.last_error).toMatch(/cannot reach the server/);
      expect(sync.state.online).toBe(false);

      server = await startServer(port);
      await fx.db.updateTable('sessions').set({ server_registered: 0 }).where('session_id', '=', sessionId).execute();
      await waitFor(async () => (await states(sessionId)).every((s) => s === 'acknowledged'), 20_000, 'all acknowledged after the restart');
      await waitFor(async () => !faults.active().some((f) => f.kind === 'upload.failing'), 5000, 'upload.failing cleared');
      expect(await serverSegments(sessionId)).toEqual([0, 1, 2]);
      expect(sync.state).toEqual({ online: true, lastError: null });
    } finally {
      await sync.close();
    }
  });

  it('keeps uploads under the bandwidth cap', async () => {
    const sessionId = await recordSession(fx, { segments: 4, bytes: 128 * 1024 });
    const total = (await fx.db.selectFrom('segments').select('bytes').where('session_id', '=', sessionId).execute()).reduce((a, r) => a + r.bytes, 0);
    const cap = 128 * 1024;
    const sync = new SyncLoop(fx.db, fx.vaultDir, fx.client, syncOpts({ maxBytesPerSec: cap }), new FaultReporter(), silent);
    const t0 = Date.now();
    sync.start();
    try {
      await waitFor(async () => (await states(sessionId)).every((s) => s === 'acknowledged'), 30_000, 'capped uploads');
    } finally {
      await sync.close();
    }
    // One second of burst is allowed; the rest must be paced.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(((total - cap) / cap) * 1000 * 0.9);
  });

  it('sends the next segment while an acknowledgement commits, and marks a segment acknowledged only once its commit succeeded', async () => {
    const sessionId = await recordSession(fx, { segments: 5 });
    // The booth cannot commit the acknowledgement of segment 2 until the test allows it.
    await sql`CREATE TABLE test_hold_ack (seq INTEGER NOT NULL)`.execute(fx.db);
    await sql`INSERT INTO test_hold_ack VALUES (2)`.execute(fx.db);
    await sql
      .raw(`CREATE TRIGGER test_hold_ack BEFORE UPDATE OF state ON segments WHEN NEW.state = 'acknowledged' AND NEW.session_id = '${sessionId}' AND NEW.seq IN (SELECT seq FROM test_hold_ack) BEGIN SELECT RAISE(ABORT, 'test: acknowledgement held'); END`)
      .execute(fx.db);
    let changes = 0;
    const sync = new SyncLoop(fx.db, fx.vaultDir, fx.client, syncOpts(), new FaultReporter(), silent);
    sync.on('change', () => changes++);
    sync.start();
    try {
      // Segment 3 went out as soon as the server acknowledged 2, while the booth committed that.
      await waitFor(async () => (await serverSegments(sessionId)).includes(3), 10_000, 'segment 3 on the server');
      const held = await states(sessionId);
      expect(held.slice(0, 2)).toEqual(['acknowledged', 'acknowledged']);
      expect(held.slice(2)).toEqual(['uploading', 'sealed', 'sealed']);
      expect(await serverSegments(sessionId)).toEqual([0, 1, 2, 3]);
      const before = changes;
      await sql`DELETE FROM test_hold_ack`.execute(fx.db);
      await waitFor(async () => (await states(sessionId)).every((s) => s === 'acknowledged'), 10_000, 'every segment acknowledged');
      // Progress after each acknowledgement, not only when the lane ends.
      expect(changes - before).toBeGreaterThanOrEqual(3);
      // Each stored acknowledgement is the server's row for that segment, each stored once.
      const booth = await fx.db.selectFrom('segments').select(['seq', 'ack_segment_id', 'ack_sha256', 'cipher_sha256']).where('session_id', '=', sessionId).orderBy('seq').execute();
      const stored = await server.archive.db.selectFrom('segments').select(['seq', 'segment_id', 'sha256']).where('session_id', '=', sessionId).orderBy('seq').execute();
      expect(booth.map((r) => [r.seq, r.ack_segment_id, r.ack_sha256])).toEqual(stored.map((r) => [r.seq, r.segment_id, r.sha256]));
      expect(booth.every((r) => r.ack_sha256 === r.cipher_sha256)).toBe(true);
    } finally {
      await sync.close();
      await sql`DROP TRIGGER test_hold_ack`.execute(fx.db);
      await sql`DROP TABLE test_hold_ack`.execute(fx.db);
    }
  });

  it('purges only acknowledged segments past the retention, oldest first, and removes stale spool plaintext', async () => {
    const store = new SegmentStore(fx.db);
    const before = await store.countsByState();
    const acked = before.acknowledged!.segments;
    expect(acked).toBeGreaterThan(0);
    const unconfirmed = await store.backlog();
    const keep = new Purger(fx.db, store, { vaultDir: fx.vaultDir, spoolDir: fx.spoolDir, retentionMs: 3_600_000, everyMs: 60_000 }, silent);
    expect(await keep.run()).toBe(0);
    const purger = new Purger(fx.db, store, { vaultDir: fx.vaultDir, spoolDir: fx.spoolDir, retentionMs: 0, everyMs: 60_000 }, silent);
    expect(await purger.run()).toBe(acked);
    const after = await store.countsByState();
    expect(after.acknowledged).toBeUndefined();
    expect(after.purged!.segments).toBe(acked);
    expect(await store.backlog()).toEqual(unconfirmed);
    const purged = await fx.db.selectFrom('segments').select(['file', 'purged_at']).where('state', '=', 'purged').execute();
    for (const p of purged) {
      expect(p.purged_at).not.toBeNull();
      await expect(stat(join(fx.vaultDir, p.file))).rejects.toThrow(/ENOENT/);
    }
    const quarantined = await fx.db.selectFrom('segments').select('file').where('state', '=', 'quarantined').execute();
    for (const q of quarantined) expect((await stat(join(fx.vaultDir, q.file))).isFile()).toBe(true);
  });

  it('persists faults across a restart and delivers cleared ones before forgetting them', async () => {
    await fx.db.deleteFrom('faults').execute();
    const a = new FaultReporter(new SqliteFaultStore(fx.db), silent);
    a.raise({ kind: 'disk.nearly_full', severity: 'warning', message: 'low' });
    a.raise({ kind: 'disk.nearly_full', severity: 'error', message: 'lower' });
    a.raise({ kind: 'clock.skew', severity: 'warning', message: 'skew' });
    a.clear('clock.skew');
    await a.flush();
    const b = new FaultReporter(new SqliteFaultStore(fx.db), silent);
    await b.load();
    expect(b.active()).toMatchObject([{ kind: 'disk.nearly_full', severity: 'error', message: 'lower', count: 2 }]);
    const store = new SqliteFaultStore(fx.db);
    const pending = await store.undelivered(10);
    expect(pending.map((p) => [p.report.kind, p.report.clearedAt === null])).toEqual([
      ['disk.nearly_full', true],
      ['clock.skew', false],
    ]);
    b.raise({ kind: 'disk.nearly_full', severity: 'error', message: 'lower still' });
    await b.flush();
    // The first report is delivered; the repeat raised meanwhile is a newer version and stays pending.
    await store.markDelivered(pending);
    const left = await store.undelivered(10);
    expect(left.map((p) => [p.report.kind, p.report.count])).toEqual([['disk.nearly_full', 3]]);
    expect(await fx.db.selectFrom('faults').select('kind').where('kind', '=', 'clock.skew').execute()).toEqual([]);
  });

  it('reads the backlog, states and faults for `dualrec booth status`', async () => {
    const { readBoothStatus } = await import('../../src/cli/commands/booth-status.js');
    const s = await readBoothStatus(fx.dir, 123_456_789);
    const backlog = await new SegmentStore(fx.db).backlog();
    expect(s.backlog).toMatchObject(backlog);
    expect(s.boothId).toBe(fx.identity.boothId);
    expect(s.byState.quarantined!.segments).toBe(backlog.quarantined);
    expect(s.disk.quotaBytes).toBe(123_456_789);
    expect(s.disk.freeBytes).toBeGreaterThan(0);
    expect(s.faults.map((f) => f.kind)).toEqual(['disk.nearly_full']);
    const blocked = s.sessions.find((x) => x.segments === 4 && x.acknowledged === 1);
    expect(blocked).toBeDefined();
  });

  it('releases quarantined segments from the command line, and a still-corrupted file is caught again', async () => {
    const { main } = await import('../../src/cli/main.js');
    const row = await fx.db.selectFrom('segments').select(['session_id', 'seq']).where('state', '=', 'quarantined').where('last_error', 'like', '%no longer matches%').executeTakeFirstOrThrow();
    const log = console.log;
    const out: string[] = [];
    console.log = (...a: unknown[]) => void out.push(a.join(' '));
    try {
      expect(await main(['booth', 'release', row.session_id, '--data', fx.dir])).toBe(0);
      expect(await main(['booth', 'release', row.session_id, '--data', fx.dir])).toBe(1);
    } finally {
      console.log = log;
    }
    expect(out[0]).toMatch(new RegExp(`released segment\\(s\\) ${row.seq} of session ${row.session_id}`));
    expect(out[1]).toMatch(/has no quarantined segments/);
    expect((await new SegmentStore(fx.db).get({ sessionId: row.session_id, seq: row.seq }))!.state).toBe('sealed');
    const faults = new FaultReporter();
    const sync = new SyncLoop(fx.db, fx.vaultDir, fx.client, syncOpts(), faults, silent);
    sync.start();
    try {
      await waitFor(async () => (await new SegmentStore(fx.db).get({ sessionId: row.session_id, seq: row.seq }))!.state === 'quarantined', 10_000, 'quarantined again');
      expect(faults.active().map((f) => f.kind)).toContain('segment.corrupted');
      expect(await serverSegments(row.session_id)).toEqual([0]);
    } finally {
      await sync.close();
    }
  });
});
