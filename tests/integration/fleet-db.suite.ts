// The fleet's part of the server database contract (SQLite and PostgreSQL): migration 0008's
// constraints, two "instances" (services on their own database handle) saving the same config
// layer at once, releases racing for one version, and the fleet list and feed queries (NOT EXISTS,
// grouped max, joins) giving the same answers on both.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryAuditLog } from '../../src/server/audit/memory-audit-log.js';
import { CLI_ACTOR } from '../../src/server/auth/admin-actor.js';
import type { ServerDb } from '../../src/server/db/schema.js';
import { createFleetServices, type FleetServices } from '../../src/server/fleet/fleet-services.js';
import { FsBlobStore } from '../../src/server/storage/fs-blob-store.js';
import { silent } from '../helpers/vault-fixture.js';
import { race, useBackend, type DbBackend } from './server-db.fixture.js';

const T = '2026-03-04T05:06:07.000Z';
const BOOTH = '6f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01';
const FLEET = { fleet: { silentAfterSec: 300, syncStuckAfterSec: 1800, maxArtifactBytes: 1024 ** 2 } };

export function fleetDbSuite(name: string, backend: () => DbBackend): void {
  describe(`fleet database contract: ${name}`, () => {
    const { open } = useBackend(backend);
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'dualrec-fleetdb-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    /** Two instances on one fresh database with branch br-1 and one booth in it. */
    async function instances(): Promise<{ dbs: Kysely<ServerDb>[]; fleet: FleetServices[] }> {
      const b = backend();
      const opened = await open(b.multiInstance ? 2 : 1);
      const dbs = b.multiInstance ? opened : [opened[0]!, opened[0]!];
      const root = await mkdtemp(join(dir, 'inst-'));
      const store = new FsBlobStore(join(root, 'store'));
      await dbs[0]!.insertInto('branches').values({ branch_id: 'br-1', name: 'One', created_at: T }).execute();
      await dbs[0]!.insertInto('booths').values({ booth_id: BOOTH, name: 'b', public_key: 'k', token_sha256: 'a'.repeat(64), enrolled_at: T, branch_id: 'br-1' }).execute();
      return { dbs, fleet: dbs.map((db) => createFleetServices({ db, store, dataDir: root }, new MemoryAuditLog(), FLEET, silent)) };
    }

    it('two instances saving one layer at once get consecutive layer versions, both kept', async () => {
      const { fleet } = await instances();
      const results = await race(2, (i) => fleet[i]!.config.setBranch(CLI_ACTOR, 'br-1', { settings: { segmentSeconds: i + 2 } }));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      const history = (await fleet[0]!.config.branchLayer(CLI_ACTOR, 'br-1')).history;
      expect(history.map((h) => h.layerVersion)).toEqual([2, 1]);
      expect(new Set(history.map((h) => h.settings.segmentSeconds))).toEqual(new Set([2, 3]));
      const eff = await fleet[1]!.config.effectiveFor({ boothId: BOOTH, branchId: 'br-1' });
      expect(eff.version).toBe(history[0]!.version);
      expect((await fleet[1]!.config.desiredVersions([{ boothId: BOOTH, branchId: 'br-1' }])).get(BOOTH)).toBe(history[0]!.version);
    });

    it('two instances creating the same release version: one wins, the other gets release.exists', async () => {
      const { fleet } = await instances();
      const results = await race(2, (i) => fleet[i]!.releases.create(CLI_ACTOR, { version: '1.0.0', channel: 'stable', notes: `${i}` }));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'release.exists' } });
    });

    it('the feed and the fleet list read the same on both instances', async () => {
      const { dbs, fleet } = await instances();
      const r = await fleet[0]!.releases.create(CLI_ACTOR, { version: '1.1.0', channel: 'stable', notes: '' });
      await fleet[0]!.releases.uploadArtifact(CLI_ACTOR, r.releaseId, 'linux', 'dualrec-1.1.0.AppImage', Readable.from([randomBytes(5000)]), null);
      await fleet[1]!.releases.publish(CLI_ACTOR, r.releaseId, { percent: 100, branches: ['br-1'] });
      const booth = { boothId: BOOTH, branchId: 'br-1', appVersion: '1.0.0' };
      expect((await fleet[1]!.feed.offered(booth, 'linux'))?.version).toBe('1.1.0');
      expect(await fleet[1]!.feed.offered(booth, 'win')).toBeNull();
      await fleet[1]!.feed.recordEvents(booth, { events: [{ version: '1.1.0', outcome: 'start-failed', message: 'x', at: T }] });
      // A repeat changes nothing.
      expect(await fleet[0]!.feed.recordEvents(booth, { events: [{ version: '1.1.0', outcome: 'start-failed', message: 'x', at: T }] })).toBe(0);
      expect(await fleet[0]!.feed.offered({ ...booth, appVersion: '1.1.0' }, 'linux')).toBeNull();
      const fault = { booth_id: BOOTH, kind: 'camera.lost', severity: 'critical', message: 'gone', session_id: null, session_key: '', since: T, last_seen: T, count: 1, received_at: T };
      await dbs[0]!.insertInto('booth_faults').values([{ ...fault, cleared_at: null, cleared: 0 }, { ...fault, kind: 'mic.lost', cleared_at: null, cleared: 0 }, { ...fault, kind: 'mic.lost', cleared_at: T, cleared: 1 }]).execute();
      for (const f of fleet) {
        const [b] = (await f.view.list('*', {}, Date.parse(T))).booths;
        expect(b).toMatchObject({ boothId: BOOTH, state: 'new', faults: [{ kind: 'camera.lost' }], update: null });
        expect(b!.alerts.map((a) => a.kind)).toEqual(['fault', 'update.failed']);
      }
    });

    it('migration 0008 holds its constraints', async () => {
      const [db] = await open(1);
      await db!.insertInto('branches').values({ branch_id: 'br-1', name: 'One', created_at: T }).execute();
      const change = { scope_kind: 'branch' as const, scope_id: 'br-1', layer_version: 1, settings_json: '{}', comment: null, created_at: T, created_by: 'cli' };
      await db!.insertInto('fleet_config_changes').values(change).execute();
      await expect(db!.insertInto('fleet_config_changes').values(change).execute()).rejects.toThrow(/UNIQUE|unique/);
      await expect(db!.insertInto('fleet_config_changes').values({ ...change, scope_kind: 'region' as 'branch', layer_version: 2 }).execute()).rejects.toThrow(/CHECK|check/);
      const rel = { release_id: 'r1', version: '1.0.0', channel: 'stable', notes: '', state: 'draft', rollout_percent: 0, rollout_branches_json: null, created_at: T, created_by: 'cli', published_at: null, updated_at: T };
      await db!.insertInto('fleet_releases').values(rel).execute();
      await expect(db!.insertInto('fleet_releases').values({ ...rel, release_id: 'r2' }).execute()).rejects.toThrow(/UNIQUE|unique/);
      await expect(db!.insertInto('fleet_releases').values({ ...rel, release_id: 'r3', version: '1.0.1', rollout_percent: 101 }).execute()).rejects.toThrow(/CHECK|check/);
      await expect(db!.insertInto('fleet_releases').values({ ...rel, release_id: 'r4', version: '1.0.2', channel: 'beta' }).execute()).rejects.toThrow(/CHECK|check/);
      const art = { release_id: 'r1', platform: 'linux', file_name: 'a.AppImage', storage_key: 'k1', sha512: 's', size: 1, uploaded_at: T, uploaded_by: 'cli' };
      await db!.insertInto('fleet_release_artifacts').values(art).execute();
      await expect(db!.insertInto('fleet_release_artifacts').values({ ...art, storage_key: 'k2' }).execute()).rejects.toThrow(/UNIQUE|unique|duplicate/);
      await expect(db!.insertInto('fleet_release_artifacts').values({ ...art, release_id: 'nope', storage_key: 'k3' }).execute()).rejects.toThrow(/FOREIGN KEY|foreign key/);
      await expect(db!.insertInto('fleet_release_artifacts').values({ ...art, platform: 'ios', storage_key: 'k4' }).execute()).rejects.toThrow(/CHECK|check/);
      await expect(db!.insertInto('fleet_update_events').values({ booth_id: 'nobody', version: '1.0.0', outcome: 'installed', message: null, at: T, received_at: T }).execute()).rejects.toThrow(/FOREIGN KEY|foreign key/);
    });
  });
}
