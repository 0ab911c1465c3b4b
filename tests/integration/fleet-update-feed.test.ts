// The update feed against electron-updater itself. A real server on 127.0.0.1 serves the feed;
// each booth is electron-updater's AppImageUpdater (real GenericProvider, real download with its
// SHA-512 check) built with a Node AppAdapter and HTTP executor instead of Electron's (see
// tests/helpers/electron-updater.ts: the Electron binary cannot run here, nothing else is replaced).
import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { GenericProvider } from 'electron-updater/out/providers/GenericProvider.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolloutBucket } from '../../src/core/fleet.js';
import type { ReleaseView } from '../../src/protocol/fleet-releases.js';
import { DbAuditLog } from '../../src/server/audit/db-audit-log.js';
import { openApiFixture, type ApiFixture } from '../helpers/api-fixture.js';
import { NodeHttpExecutor, TestLinuxUpdater, fakeAppImage } from '../helpers/electron-updater.js';
import { enrollBooth, feedOf, releaseVia, sha512b64, type TestBooth } from '../helpers/fleet.js';
import { staffLogin } from '../helpers/staff.js';

let fx: ApiFixture;
let admin: { authorization: string };
/** One booth in the 10 % rollout group and one outside it (both br-a), one in br-b. */
let inside: TestBooth;
let outside: TestBooth;
let inB: TestBooth;
const bytes = { v1: randomBytes(300_000), v2: randomBytes(256 * 1024), win: randomBytes(50_000) };
let v1: ReleaseView;
let v2: ReleaseView;
let n = 0;
let restoreAppImage: () => void = () => undefined;

/** A fresh electron-updater for `booth` running `version`, pointed at the server's feed. */
async function updaterFor(booth: TestBooth, version: string): Promise<TestLinuxUpdater> {
  const u = await TestLinuxUpdater.create(join(fx.dir, 'updaters', `${++n}`), version);
  const feed = feedOf(fx.base, booth, version);
  u.autoDownload = false;
  u.disableDifferentialDownload = true;
  u.setFeedURL({ provider: 'generic', url: feed.url, useMultipleRangeRequest: false });
  u.requestHeaders = feed.headers;
  return u;
}

beforeAll(async () => {
  fx = await openApiFixture();
  admin = (await staffLogin(fx.server, { roles: ['admin'], branches: '*' })).headers;
  // The AppImage the booth runs (electron-updater needs $APPIMAGE to update one).
  restoreAppImage = await fakeAppImage(fx.dir);
  const booths: TestBooth[] = [];
  while (!booths.some((b) => rolloutBucket(b.boothId) < 10) || !booths.some((b) => rolloutBucket(b.boothId) >= 10)) {
    booths.push(await enrollBooth(fx.server, 'br-a', `booth-${booths.length}`));
    if (booths.length > 300) throw new Error('no booth fell into the 10 % group');
  }
  inside = booths.find((b) => rolloutBucket(b.boothId) < 10)!;
  outside = booths.find((b) => rolloutBucket(b.boothId) >= 10)!;
  inB = await enrollBooth(fx.server, 'br-b', 'booth-b');
  v1 = await releaseVia(fx.server, admin, { version: '0.1.0', artifacts: { linux: bytes.v1, win: bytes.win }, rollout: { percent: 100, branches: null } });
  v2 = await releaseVia(fx.server, admin, { version: '0.2.0', artifacts: { linux: bytes.v2 }, rollout: { percent: 10, branches: null }, notes: 'Faster sync.\nFixes: "quotes" & colons: ok' });
}, 120_000);

afterAll(async () => {
  restoreAppImage();
  await fx?.close();
});

describe('feed format', () => {
  it('serves latest-linux.yml in the generic-provider format, with SHA-512 and size of the stored artifact', async () => {
    const res = await fx.server.http.inject({ method: 'GET', url: '/api/v1/booth/update-feed/latest-linux.yml', headers: feedOf(fx.base, inside, '0.1.0').headers });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/yaml/);
    const yml = load(res.body) as Record<string, unknown>;
    const url = `releases/${v2.releaseId}/dualrec-0.2.0.AppImage`;
    expect(yml).toEqual({ version: '0.2.0', files: [{ url, sha512: sha512b64(bytes.v2), size: bytes.v2.length }], path: url, sha512: sha512b64(bytes.v2), releaseDate: v2.publishedAt, releaseNotes: 'Faster sync.\nFixes: "quotes" & colons: ok' });
  });

  it("electron-updater's GenericProvider reads latest.yml for Windows and resolves the installer URL", async () => {
    const u = await updaterFor(inside, '0.1.0');
    const feed = feedOf(fx.base, outside, '0.0.9');
    // The runtime options type names Electron's executor; any HttpExecutor does (electron-builder's own tests pass a Node one).
    const executor = new NodeHttpExecutor() as unknown as ConstructorParameters<typeof GenericProvider>[2]['executor'];
    const provider = new GenericProvider({ provider: 'generic', url: feed.url }, u, { platform: 'win32', executor, isUseMultipleRangeRequest: false });
    provider.setRequestHeaders(feed.headers);
    const info = await provider.getLatestVersion();
    expect(info).toMatchObject({ version: '0.1.0', sha512: sha512b64(bytes.win) });
    const [file] = provider.resolveFiles(info);
    expect(file!.url.href).toBe(`${feed.url}/releases/${v1.releaseId}/dualrec-Setup-0.1.0.exe`);
  });
});

describe('staged rollout', () => {
  it('a booth in the 10 % rollout group sees 0.2.0 and downloads it, verified', async () => {
    const u = await updaterFor(inside, '0.1.0');
    const r = await u.checkForUpdates();
    expect(r).toMatchObject({ isUpdateAvailable: true, updateInfo: { version: '0.2.0' } });
    const [file] = await u.downloadUpdate();
    expect(await readFile(file!)).toEqual(bytes.v2);
  });

  it('a booth outside the 10 % group is offered only 0.1.0, which it runs: no update', async () => {
    const u = await updaterFor(outside, '0.1.0');
    expect(await u.checkForUpdates()).toMatchObject({ isUpdateAvailable: false, updateInfo: { version: '0.1.0' } });
  });

  it('widening the rollout only adds booths; a branch-limited rollout reaches only that branch', async () => {
    const put = (rollout: object) => fx.server.http.inject({ method: 'PUT', url: `/api/v1/fleet/releases/${v2.releaseId}/rollout`, headers: admin, payload: { rollout } });
    expect((await put({ percent: 100, branches: ['br-b'] })).statusCode).toBe(200);
    expect(await (await updaterFor(inB, '0.1.0')).checkForUpdates()).toMatchObject({ isUpdateAvailable: true, updateInfo: { version: '0.2.0' } });
    expect(await (await updaterFor(outside, '0.1.0')).checkForUpdates()).toMatchObject({ isUpdateAvailable: false });
    // A booth of another branch already on 0.2.0 keeps it (narrowing never pulls a booth back).
    expect(await (await updaterFor(inside, '0.2.0')).checkForUpdates()).toMatchObject({ isUpdateAvailable: false, updateInfo: { version: '0.2.0' } });
    expect((await put({ percent: 10, branches: null })).statusCode).toBe(200);
  });

  it('a booth without any release offered gets 404 update.none, which electron-updater reports as an error', async () => {
    const res = await fx.server.http.inject({ method: 'GET', url: '/api/v1/booth/update-feed/latest-mac.yml', headers: inside.headers });
    expect([res.statusCode, res.json().error.code]).toEqual([404, 'update.none']);
  });
});

describe('pause, resume, rollback', () => {
  it('a paused release is not offered; booths already on it keep it; resume offers it again', async () => {
    const act = (what: string) => fx.server.http.inject({ method: 'POST', url: `/api/v1/fleet/releases/${v2.releaseId}/${what}`, headers: admin });
    expect((await act('pause')).json()).toMatchObject({ state: 'paused' });
    expect(await (await updaterFor(inside, '0.1.0')).checkForUpdates()).toMatchObject({ isUpdateAvailable: false, updateInfo: { version: '0.1.0' } });
    const onIt = await updaterFor(inside, '0.2.0');
    onIt.allowDowngrade = true;
    expect(await onIt.checkForUpdates()).toMatchObject({ isUpdateAvailable: false, updateInfo: { version: '0.2.0' } });
    // Pausing a paused release is a conflict, and changes nothing.
    expect([(await act('pause')).statusCode, (await act('pause')).json().error.code]).toEqual([409, 'release.state']);
    expect((await act('resume')).json()).toMatchObject({ state: 'active' });
    expect(await (await updaterFor(inside, '0.1.0')).checkForUpdates()).toMatchObject({ isUpdateAvailable: true, updateInfo: { version: '0.2.0' } });
  });

  it('a version that failed to start on a booth is not offered to it again: it gets the one before (a downgrade)', async () => {
    const ev = await fx.server.http.inject({ method: 'POST', url: '/api/v1/booth/update-events', headers: inside.headers, payload: { events: [{ version: '0.2.0', outcome: 'start-failed', message: 'renderer crashed', at: new Date().toISOString() }] } });
    expect(ev.json()).toEqual({ accepted: 1 });
    const u = await updaterFor(inside, '0.2.0');
    u.allowDowngrade = true;
    expect(await u.checkForUpdates()).toMatchObject({ isUpdateAvailable: true, updateInfo: { version: '0.1.0' } });
    // Other booths in the group still get 0.2.0.
    const other = await enrollBooth(fx.server, 'br-b', 'b2');
    await fx.server.http.inject({ method: 'PUT', url: `/api/v1/fleet/releases/${v2.releaseId}/rollout`, headers: admin, payload: { rollout: { percent: 100, branches: ['br-b'] } } });
    expect(await (await updaterFor(other, '0.1.0')).checkForUpdates()).toMatchObject({ isUpdateAvailable: true, updateInfo: { version: '0.2.0' } });
  });

  it('rollback offers the previous release to booths on the rolled-back one; the updater takes it only with allowDowngrade', async () => {
    expect((await fx.server.http.inject({ method: 'POST', url: `/api/v1/fleet/releases/${v2.releaseId}/rollback`, headers: admin })).json()).toMatchObject({ state: 'rolled_back' });
    const strict = await updaterFor(inB, '0.2.0');
    expect(strict.allowDowngrade).toBe(false);
    expect(await strict.checkForUpdates()).toMatchObject({ isUpdateAvailable: false, updateInfo: { version: '0.1.0' } });
    const ours = await updaterFor(inB, '0.2.0');
    ours.allowDowngrade = true;
    expect(await ours.checkForUpdates()).toMatchObject({ isUpdateAvailable: true, updateInfo: { version: '0.1.0' } });
    const [file] = await ours.downloadUpdate();
    expect(await readFile(file!)).toEqual(bytes.v1);
    // Rolled back is final: it cannot be resumed or published again.
    const resume = await fx.server.http.inject({ method: 'POST', url: `/api/v1/fleet/releases/${v2.releaseId}/resume`, headers: admin });
    expect([resume.statusCode, resume.json().error.code]).toEqual([409, 'release.state']);
    expect(fx.server.audit).toBeInstanceOf(DbAuditLog);
    const audit = await (fx.server.audit as DbAuditLog).list({ limit: 100_000 });
    expect(audit.filter((e) => e.target === 'release:0.2.0').map((e) => e.action)).toEqual([
      'fleet.release.create',
      'fleet.release.upload',
      'fleet.release.publish',
      'fleet.release.rollout',
      'fleet.release.rollout',
      'fleet.release.pause',
      'fleet.release.resume',
      'fleet.release.rollout',
      'fleet.release.rollback',
    ]);
  });
});

describe('integrity and bandwidth', () => {
  it('a tampered artifact fails electron-updater\'s SHA-512 verification and nothing counts as downloaded', async () => {
    const v3 = await releaseVia(fx.server, admin, { version: '0.3.0', artifacts: { linux: randomBytes(100_000) }, rollout: { percent: 100, branches: null } });
    const stored = (fx.server.archive.store as { localPath(k: string): string }).localPath(`releases/${v3.releaseId}/linux/dualrec-0.3.0.AppImage`);
    await chmod(stored, 0o644);
    const b = await readFile(stored);
    b[5000] = b[5000]! ^ 0xff;
    await writeFile(stored, b);
    const u = await updaterFor(outside, '0.1.0');
    expect(await u.checkForUpdates()).toMatchObject({ isUpdateAvailable: true, updateInfo: { version: '0.3.0' } });
    await expect(u.downloadUpdate()).rejects.toMatchObject({ code: 'ERR_CHECKSUM_MISMATCH' });
    expect(u.downloadedFile).toBeNull();
    await fx.server.http.inject({ method: 'POST', url: `/api/v1/fleet/releases/${v3.releaseId}/rollback`, headers: admin });
  });

  it("the server paces the download to the booth's update bandwidth cap", async () => {
    const cap = 64 * 1024;
    const set = await fx.server.http.inject({ method: 'PUT', url: `/api/v1/fleet/config/booths/${outside.boothId}`, headers: admin, payload: { settings: { bandwidth: { updateBytesPerSec: cap } } } });
    expect(set.statusCode).toBe(200);
    const v4 = await releaseVia(fx.server, admin, { version: '0.4.0', artifacts: { linux: randomBytes(256 * 1024) }, rollout: { percent: 100, branches: null } });
    const u = await updaterFor(outside, '0.1.0');
    expect(await u.checkForUpdates()).toMatchObject({ isUpdateAvailable: true, updateInfo: { version: '0.4.0' } });
    const t0 = Date.now();
    await u.downloadUpdate();
    // 256 KiB at 64 KiB/s with one second of burst: at least 3 s (a lower bound only; a loaded machine is slower).
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2900);
    await fx.server.http.inject({ method: 'POST', url: `/api/v1/fleet/releases/${v4.releaseId}/rollback`, headers: admin });
  });
});
