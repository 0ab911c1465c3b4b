// The disk guard against a real booth database and real folders: quota levels, faults raised and
// cleared, new sessions refused, emergency stops, the vault write probe and a missing data folder.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boothMigrations } from '../../src/booth/db/migrations/index.js';
import type { BoothDb } from '../../src/booth/db/schema.js';
import { FaultReporter } from '../../src/booth/faults/fault-reporter.js';
import { DiskGuard } from '../../src/booth/vault/disk-guard.js';
import { SegmentStore } from '../../src/booth/vault/segment-store.js';
import { openSqlite } from '../../src/platform/db.js';
import type { Kysely } from 'kysely';
import { silent } from '../helpers/vault-fixture.js';

let dir: string;
let db: Kysely<BoothDb>;
const SID = '6f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01';
const T = '2026-01-01T00:00:00.000Z';

async function addSegment(seq: number, bytes: number): Promise<void> {
  await db
    .insertInto('segments')
    .values({ session_id: SID, seq, file: `${SID}/${seq}.seg`, cipher_sha256: 'a'.repeat(64), plain_sha256: 'b'.repeat(64), prev_link: 'c'.repeat(64), link: 'd'.repeat(64), bytes, start_sec: seq, duration_sec: 1, state: 'sealed', last_error: null, next_attempt_at: null, ack_segment_id: null, ack_sha256: null, ack_at: null, sealed_at: T, state_changed_at: T, purged_at: null })
    .execute();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-disk-guard-'));
  db = await openSqlite<BoothDb>(join(dir, 'booth.sqlite'), boothMigrations);
  await db
    .insertInto('sessions')
    .values({ session_id: SID, product_id: 'p', phase: 'syncing', started_at: T, ended_at: null, end_reason: null, key_wrap_json: '{}', genesis_link: 'e'.repeat(64), last_link: 'e'.repeat(64), media_sec: 0, manifest_json: null, signature: null, server_registered: 0, server_finished: 0, archived_at: null, error: null, created_at: T })
    .execute();
});
afterAll(async () => {
  await db?.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe('disk guard', () => {
  it('walks ok -> warn -> refuse -> stop with the quota and clears faults when room returns', async () => {
    const faults = new FaultReporter();
    const guard = new DiskGuard({ dataDir: dir, vaultDir: dir, spoolDir: join(dir, 'spool'), quotaBytes: 10_000, floors: { warnBytes: 5000, refuseBytes: 3000, stopBytes: 1000 }, checkEveryMs: 60_000 }, new SegmentStore(db), faults, silent);
    const stops: string[] = [];
    guard.on('emergencyStop', (r) => stops.push(r));

    expect((await guard.check()).level).toBe('ok');
    await guard.assertCanStart();
    await addSegment(0, 6000);
    expect((await guard.check()).level).toBe('warn');
    expect(faults.active()).toMatchObject([{ kind: 'disk.nearly_full', severity: 'warning' }]);
    await guard.assertCanStart();
    await addSegment(1, 2000);
    expect((await guard.check()).level).toBe('refuse');
    expect(faults.active()).toMatchObject([{ kind: 'disk.nearly_full', severity: 'error' }]);
    await expect(guard.assertCanStart()).rejects.toMatchObject({ code: 'disk.full', status: 409 });
    expect(stops).toEqual([]);
    await addSegment(2, 1500);
    const s = await guard.check();
    expect(s).toMatchObject({ level: 'stop', vaultBytes: 9500, quotaBytes: 10_000 });
    expect(faults.active().map((f) => [f.kind, f.severity])).toEqual([['disk.full', 'critical']]);
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatch(/disk is full/);

    // Uploaded and purged: the files no longer count.
    await db.updateTable('segments').set({ state: 'purged', ack_segment_id: 'x', ack_sha256: 'a'.repeat(64), ack_at: T, purged_at: T }).execute();
    expect((await guard.check()).level).toBe('ok');
    expect(faults.active()).toEqual([]);
    await guard.close();
    await guard.close();
  });

  it('raises disk.write_error from the vault probe and disk.path_missing for a vanished data folder', async () => {
    const faults = new FaultReporter();
    const vaultDir = join(dir, 'probe-vault');
    await writeFile(vaultDir, 'a file where the vault folder should be');
    const dataDir = join(dir, 'data');
    const guard = new DiskGuard({ dataDir, vaultDir, spoolDir: join(dir, 'spool'), quotaBytes: null, floors: { warnBytes: 0, refuseBytes: 0, stopBytes: 0 }, checkEveryMs: 60_000 }, new SegmentStore(db), faults, silent);
    const stops: string[] = [];
    guard.on('emergencyStop', (r) => stops.push(r));

    await expect(guard.assertCanStart()).rejects.toMatchObject({ code: 'disk.path_missing' });
    expect(faults.active().map((f) => f.kind)).toEqual(['disk.path_missing']);
    await mkdir(dataDir);
    await guard.check();
    expect(faults.active().map((f) => f.kind)).toEqual(['disk.write_error']);
    expect(stops.at(-1)).toMatch(/vault cannot be written: ENOTDIR/);
    await rm(vaultDir);
    await mkdir(vaultDir);
    await guard.check();
    expect(faults.active()).toEqual([]);
    await guard.close();
  });
});
