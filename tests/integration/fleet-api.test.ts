// The fleet console API on a real server (real SQLite, the real auth hook): remote config layers
// per branch and booth (versions, audit, scope, validation), what a booth pulls (ETag, 304), the
// fleet list with heartbeats, filters and derived alerts, and the release API's refusals.
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoothConfigResponse, ConfigLayerView, FleetListResponse } from '../../src/protocol/fleet.js';
import type { BoothStatusReport } from '../../src/protocol/server-api.js';
import { openApiFixture, type ApiFixture } from '../helpers/api-fixture.js';
import { auditByAction } from '../helpers/audit.js';
import { enrollBooth, releaseVia, sha512b64, type TestBooth } from '../helpers/fleet.js';
import { staffLogin } from '../helpers/staff.js';

type H = { authorization: string };
let fx: ApiFixture;
let admin: H;
let adminB: H;
let supervisorB: H;
let reviewer: H;
let a1: TestBooth;
let b1: TestBooth;

const req = (method: 'GET' | 'PUT' | 'POST', url: string, headers: object, payload?: unknown) =>
  fx.server.http.inject({ method, url: `/api/v1${url}`, headers: headers as Record<string, string>, payload: payload as object | undefined });

/** Every fleet table, to show a refused request changed nothing. */
async function fleetTables(): Promise<string> {
  const out: unknown[] = [];
  for (const t of ['fleet_config_changes', 'fleet_releases', 'fleet_release_artifacts', 'fleet_update_events']) out.push((await sql`SELECT * FROM ${sql.table(t)}`.execute(fx.server.archive.db)).rows);
  return JSON.stringify(out);
}

function status(over: Partial<BoothStatusReport> & { fleet?: BoothStatusReport['fleet'] } = {}): BoothStatusReport {
  return {
    at: new Date().toISOString(),
    backlog: { segments: 0, bytes: 0, quarantined: 0, oldestUnconfirmedAt: null, oldestUnconfirmedAgeSec: null },
    disk: { freeBytes: 50 * 1024 ** 3, vaultBytes: 1000, quotaBytes: null, level: 'ok' },
    recordingSessionId: null,
    activeFaults: 0,
    ...over,
  };
}

const heartbeat = (appliedVersion: number | null, appVersion = '0.1.0'): NonNullable<BoothStatusReport['fleet']> => ({
  appVersion,
  devices: { camera: 'v4l2:/dev/video0', mic: 'pulse:default', screen: 'auto' },
  lastSession: null,
  config: { appliedVersion, pendingVersion: null, rejected: null },
  update: null,
});

beforeAll(async () => {
  fx = await openApiFixture();
  admin = (await staffLogin(fx.server, { roles: ['admin'], branches: '*' })).headers;
  adminB = (await staffLogin(fx.server, { roles: ['admin'], branches: ['br-b'] })).headers;
  supervisorB = (await staffLogin(fx.server, { roles: ['supervisor'], branches: ['br-b'] })).headers;
  reviewer = (await staffLogin(fx.server, { roles: ['reviewer'], branches: '*' })).headers;
  a1 = await enrollBooth(fx.server, 'br-a', 'a1');
  b1 = await enrollBooth(fx.server, 'br-b', 'b1');
});

afterAll(async () => {
  await fx?.close();
});

describe('remote config', () => {
  it('versions every change, merges the booth layer over the branch layer, and audits', async () => {
    const branch1 = (await req('PUT', '/fleet/config/branches/br-a', admin, { settings: { segmentSeconds: 6, qualityPreset: 'standard', bandwidth: { uploadBytesPerSec: 200_000 } }, comment: 'branch default' })).json<ConfigLayerView>();
    expect(branch1).toMatchObject({ scope: 'branch', scopeId: 'br-a', layerVersion: 1, comment: 'branch default' });
    const booth1 = (await req('PUT', `/fleet/config/booths/${a1.boothId}`, admin, { settings: { segmentSeconds: 3, devices: { camera: 'v4l2:/dev/video2' }, bandwidth: { updateBytesPerSec: null } } })).json<ConfigLayerView>();
    expect(booth1.version).toBeGreaterThan(branch1.version);
    const branch2 = (await req('PUT', '/fleet/config/branches/br-a', admin, { settings: { segmentSeconds: 6, qualityPreset: 'high', bandwidth: { uploadBytesPerSec: 100_000 } } })).json<ConfigLayerView>();
    expect(branch2).toMatchObject({ layerVersion: 2 });
    const view = (await req('GET', `/fleet/config/booths/${a1.boothId}`, admin)).json<BoothConfigResponse>();
    expect(view.effective).toEqual({
      version: branch2.version,
      settings: { segmentSeconds: 3, qualityPreset: 'high', devices: { camera: 'v4l2:/dev/video2' }, bandwidth: { uploadBytesPerSec: 100_000, updateBytesPerSec: null } },
    });
    expect(view.branch?.layerVersion).toBe(2);
    const hist = (await req('GET', '/fleet/config/branches/br-a', admin)).json<{ history: ConfigLayerView[] }>().history;
    expect(hist.map((h) => h.layerVersion)).toEqual([2, 1]);
    const audit = await auditByAction(fx.server.audit, 'fleet.config.set');
    expect(audit.map((e) => [e.target, e.branchId, e.details?.version])).toEqual([
      ['branch:br-a', 'br-a', branch1.version],
      [`booth:${a1.boothId}`, 'br-a', booth1.version],
      ['branch:br-a', 'br-a', branch2.version],
    ]);
  });

  it('a booth pulls its effective config with an ETag and gets 304 until something changes', async () => {
    const first = await req('GET', '/booth/config', a1.headers);
    expect(first.statusCode).toBe(200);
    const etag = first.headers.etag as string;
    expect(etag).toBe(`"cfg-${first.json().version}"`);
    expect((await req('GET', '/booth/config', { ...a1.headers, 'if-none-match': etag })).statusCode).toBe(304);
    await req('PUT', `/fleet/config/booths/${a1.boothId}`, admin, { settings: { segmentSeconds: 4 } });
    const after = await req('GET', '/booth/config', { ...a1.headers, 'if-none-match': etag });
    expect(after.statusCode).toBe(200);
    expect(after.json().settings.segmentSeconds).toBe(4);
    // A booth of another branch does not get br-a's layer.
    expect((await req('GET', '/booth/config', b1.headers)).json()).toEqual({ version: 0, settings: {} });
  });

  it('refuses invalid settings with 400 naming the field, and changes nothing', async () => {
    const before = await fleetTables();
    const bad = [
      { settings: { diskFloors: { warnFreeBytes: 1000, refuseFreeBytes: 2000 } } },
      { settings: { segmentSeconds: 0.5 } },
      { settings: { devices: { camera: 'webcam0' } } },
      { settings: { qualityPreset: 'ultra' } },
      { settings: { languages: ['en', 'en'] } },
      { settings: { bandwidth: { uploadBytesPerSec: 10 } } },
      { settings: { server: { url: 'https://evil.example' } } },
      { settings: { dataDir: '/tmp' } },
      {},
    ];
    const res = await Promise.all(bad.map((b) => req('PUT', `/fleet/config/booths/${a1.boothId}`, admin, b)));
    expect(res.map((r) => r.statusCode)).toEqual(bad.map(() => 400));
    expect(res[0]!.json().error.message).toMatch(/settings\.diskFloors\.refuseFreeBytes: must not exceed diskFloors\.warnFreeBytes/);
    expect(res[2]!.json().error.message).toMatch(/settings\.devices\.camera/);
    expect(res[6]!.json().error.message).toMatch(/server/);
    expect(await fleetTables()).toBe(before);
  });

  it('keeps to branch scope: another branch admin gets 403, supervisors read only their branch, reviewers nothing', async () => {
    const before = await fleetTables();
    const r = [
      await req('PUT', '/fleet/config/branches/br-a', adminB, { settings: {} }),
      await req('PUT', `/fleet/config/booths/${a1.boothId}`, adminB, { settings: {} }),
      await req('GET', `/fleet/config/booths/${a1.boothId}`, supervisorB),
      await req('GET', '/fleet/config/branches/br-a', supervisorB),
      await req('PUT', '/fleet/config/branches/br-b', supervisorB, { settings: {} }),
      await req('GET', '/fleet/booths', reviewer),
      await req('PUT', '/fleet/config/branches/br-zz', admin, { settings: {} }),
      await req('GET', `/fleet/config/booths/${randomUUID()}`, admin),
    ];
    expect(r.map((x) => [x.statusCode, x.json().error.code])).toEqual([
      [403, 'auth.branch'],
      [403, 'auth.branch'],
      [403, 'auth.branch'],
      [403, 'auth.branch'],
      [403, 'auth.role'],
      [403, 'auth.role'],
      [404, 'branch.not_found'],
      [404, 'booth.not_found'],
    ]);
    expect((await req('GET', '/fleet/config/branches/br-b', supervisorB)).statusCode).toBe(200);
    expect(await fleetTables()).toBe(before);
  });
});

describe('fleet list', () => {
  it('shows each booth with its latest heartbeat and desired vs applied config, filtered by branch, version and state', async () => {
    const desired = (await req('GET', '/booth/config', a1.headers)).json<{ version: number }>().version;
    expect((await req('POST', '/booth/status', a1.headers, status({ fleet: heartbeat(desired, '0.2.0') }))).statusCode).toBe(200);
    expect((await req('POST', '/booth/status', b1.headers, status({ recordingSessionId: '8c7d0a52-5a47-4a0e-9a35-6f0a9f0f2c11', fleet: heartbeat(null) }))).statusCode).toBe(200);
    const all = (await req('GET', '/fleet/booths', admin)).json<FleetListResponse>();
    const va1 = all.booths.find((b) => b.boothId === a1.boothId)!;
    expect(va1).toMatchObject({ name: 'a1', branchId: 'br-a', state: 'online', appVersion: '0.2.0', devices: { camera: 'v4l2:/dev/video0' }, config: { desiredVersion: desired, appliedVersion: desired }, alerts: [] });
    expect(all.booths.find((b) => b.boothId === b1.boothId)).toMatchObject({ state: 'recording', appVersion: '0.1.0' });
    // The fixture's booth never reported: new.
    expect(all.booths.find((b) => b.boothId === fx.booth.boothId)).toMatchObject({ state: 'new', lastHeartbeatAt: null, appVersion: null });
    const ids = async (q: string, h: H = admin) => (await req('GET', `/fleet/booths${q}`, h)).json<FleetListResponse>().booths.map((b) => b.name).sort();
    expect(await ids('?branch=br-b')).toEqual(['b1']);
    expect(await ids('?version=0.2.0')).toEqual(['a1']);
    expect(await ids('?state=recording')).toEqual(['b1']);
    expect(await ids('', supervisorB)).toEqual(['b1']);
    expect((await req('GET', '/fleet/booths?state=asleep', admin)).statusCode).toBe(400);
    expect((await req('GET', '/fleet/booths?version=latest', admin)).statusCode).toBe(400);
  });

  it('derives alerts: disk nearly full, sync stuck, quarantine, faults, a rejected config, a failed update', async () => {
    await req('POST', '/booth/status', a1.headers, {
      ...status({ disk: { freeBytes: 1.5 * 1024 ** 3, vaultBytes: 1, quotaBytes: null, level: 'warn' } }),
      backlog: { segments: 40, bytes: 4e7, quarantined: 2, oldestUnconfirmedAt: new Date(Date.now() - 3 * 3600_000).toISOString(), oldestUnconfirmedAgeSec: 3 * 3600 },
      activeFaults: 1,
      fleet: { ...heartbeat(1), config: { appliedVersion: 1, pendingVersion: null, rejected: { version: (await req('GET', '/booth/config', a1.headers)).json().version, reason: 'vault.refuseFreeBytes: must not exceed vault.warnFreeBytes', at: new Date().toISOString() } } },
    });
    const now = new Date().toISOString();
    await req('POST', '/booth/faults', a1.headers, { faults: [{ kind: 'camera.lost', severity: 'critical', message: 'camera gone', sessionId: null, since: now, lastSeen: now, count: 2, clearedAt: null }] });
    await req('POST', '/booth/faults', a1.headers, { faults: [{ kind: 'mic.lost', severity: 'error', message: 'mic gone', sessionId: null, since: now, lastSeen: now, count: 1, clearedAt: null }] });
    await req('POST', '/booth/faults', a1.headers, { faults: [{ kind: 'mic.lost', severity: 'error', message: 'mic gone', sessionId: null, since: now, lastSeen: now, count: 1, clearedAt: now }] });
    await req('POST', '/booth/update-events', a1.headers, { events: [{ version: '0.3.0', outcome: 'download-failed', message: 'sha512 checksum mismatch', at: now }] });
    const a = (await req('GET', '/fleet/booths?state=alerting', admin)).json<FleetListResponse>().booths.find((b) => b.boothId === a1.boothId)!;
    expect(a.faults.map((f) => f.kind)).toEqual(['camera.lost']);
    expect(a.alerts.map((x) => [x.kind, x.severity])).toEqual([
      ['fault', 'critical'],
      ['sync.stuck', 'error'],
      ['sync.quarantined', 'error'],
      ['update.failed', 'error'],
      ['disk.nearly_full', 'warning'],
      ['config.rejected', 'warning'],
    ]);
    expect(a.alerts.find((x) => x.kind === 'sync.stuck')!.message).toBe('failing to sync: 40 segments waiting, the oldest for 3 h');
    // Silent: the same booth seen an hour later without a heartbeat.
    const later = await fx.server.fleet.view.list('*', { state: 'silent' }, Date.now() + 3600_000);
    expect(later.booths.find((b) => b.boothId === a1.boothId)?.alerts.find((x) => x.kind === 'silent')).toMatchObject({ kind: 'silent', severity: 'error', message: expect.stringMatching(/^no heartbeat for 60 min$/) });
  });
});

describe('release API refusals change nothing', () => {
  it('refuses bad versions, reuse, uploads after publishing, damaged transfers, bad names, empty releases and branch admins', async () => {
    const bytes = randomBytes(10_000);
    const rel = await releaseVia(fx.server, admin, { version: '1.0.0', artifacts: { linux: bytes }, rollout: null });
    const before = await fleetTables();
    const up = (platform: string, name: string, body: Buffer, sha = sha512b64(body), headers: H = admin) =>
      req('PUT', `/fleet/releases/${rel.releaseId}/artifacts/${platform}?name=${encodeURIComponent(name)}`, { ...headers, 'content-type': 'application/octet-stream', 'x-dualrec-sha512': sha }, body);
    const r = [
      await req('POST', '/fleet/releases', admin, { version: 'v1', channel: 'stable' }),
      await req('POST', '/fleet/releases', admin, { version: '1.0.0', channel: 'stable' }),
      await req('POST', '/fleet/releases', admin, { version: '1.0.1', channel: 'beta' }),
      await req('POST', '/fleet/releases', adminB, { version: '1.0.2', channel: 'stable' }),
      await up('win', 'setup.exe', bytes, sha512b64(randomBytes(8))),
      await up('win', '../../etc/passwd.exe', bytes),
      await up('win', 'setup.msi', bytes),
      await up('linux', 'again.AppImage', bytes),
      await up('win', 'empty.exe', Buffer.alloc(0), sha512b64(Buffer.alloc(0))),
      await up('solaris', 'x.AppImage', bytes),
      await up('win', 'setup.exe', bytes, 'not-base64'),
      await req('PUT', `/fleet/releases/${rel.releaseId}/artifacts/win?name=setup.exe`, admin, { json: true }),
      await req('POST', `/fleet/releases/${rel.releaseId}/publish`, admin, { rollout: { percent: 101, branches: null } }),
      await req('POST', `/fleet/releases/${rel.releaseId}/publish`, admin, { rollout: { percent: 10, branches: [] } }),
      await req('POST', `/fleet/releases/${rel.releaseId}/pause`, admin),
      await req('POST', `/fleet/releases/${rel.releaseId}/publish`, adminB, { rollout: { percent: 10, branches: null } }),
    ];
    expect(r.map((x) => [x.statusCode, x.json().error.code])).toEqual([
      [400, 'request.invalid'],
      [409, 'release.exists'],
      [400, 'request.invalid'],
      [403, 'auth.head_office'],
      [422, 'release.sha512_mismatch'],
      [400, 'request.bad_path'],
      [400, 'request.invalid'],
      [409, 'release.artifact_exists'],
      [422, 'release.empty_artifact'],
      [400, 'request.invalid'],
      [400, 'request.invalid'],
      [400, 'request.bad_content_type'],
      [400, 'request.invalid'],
      [400, 'request.invalid'],
      [409, 'release.state'],
      [403, 'auth.head_office'],
    ]);
    expect(await fleetTables()).toBe(before);
    const empty = (await req('POST', '/fleet/releases', admin, { version: '2.0.0', channel: 'pilot' })).json<{ releaseId: string }>();
    const pub = await req('POST', `/fleet/releases/${empty.releaseId}/publish`, admin, { rollout: { percent: 10, branches: null } });
    expect([pub.statusCode, pub.json().error.code]).toEqual([409, 'release.no_artifacts']);
    // Published: its artifacts are final.
    await req('POST', `/fleet/releases/${rel.releaseId}/publish`, admin, { rollout: { percent: 0, branches: null } });
    const late = await up('win', 'setup.exe', bytes);
    expect([late.statusCode, late.json().error.code]).toEqual([409, 'release.not_draft']);
  });

  it('a booth cannot fetch an artifact it is not offered, nor send a bad version header or feed name', async () => {
    const rel = await releaseVia(fx.server, admin, { version: '3.0.0', artifacts: { linux: randomBytes(1000) }, rollout: { percent: 0, branches: null } });
    const get = (url: string, headers: object = b1.headers) => req('GET', url.replace('/api/v1', ''), headers);
    const r = [
      await get(`/api/v1/booth/update-feed/releases/${rel.releaseId}/dualrec-3.0.0.AppImage`),
      await get('/api/v1/booth/update-feed/latest-linux.yml', { ...b1.headers, 'x-dualrec-app-version': 'one' }),
      await get('/api/v1/booth/update-feed/beta.yml'),
      await get(`/api/v1/booth/update-feed/releases/${rel.releaseId}/x.txt`),
      await get('/api/v1/booth/update-feed/latest-linux.yml', admin),
    ];
    expect(r.map((x) => [x.statusCode, x.json().error.code])).toEqual([
      [404, 'update.not_offered'],
      [400, 'request.invalid'],
      [400, 'request.invalid'],
      [400, 'request.invalid'],
      [401, 'auth.missing'],
    ]);
  });
});
