// The first start of a new version (main/updater.ts): confirmed when the booth comes up, or, when
// it does not, reported as start-failed and replaced by the release the server offers instead.
// Real server and feed; electron-updater's AppImageUpdater with a Node AppAdapter and HTTP
// executor (tests/helpers/electron-updater.ts). Only the `electron` module is replaced: the
// Electron binary cannot run here, and every Electron value main/updater.ts needs is passed in.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DirectUpdatePort } from '../../main/direct-port.js';
import { StartMarker } from '../../main/start-marker.js';
import { startUpdater } from '../../main/updater.js';
import { createLogger } from '../../src/platform/log.js';
import { openApiFixture, type ApiFixture } from '../helpers/api-fixture.js';
import { TestLinuxUpdater, fakeAppImage } from '../helpers/electron-updater.js';
import { enrollBooth, feedOf, releaseVia, type TestBooth } from '../helpers/fleet.js';
import { staffLogin } from '../helpers/staff.js';
import { waitFor } from '../helpers/stack.js';

vi.mock('electron', () => ({ app: {} }));

let fx: ApiFixture;
let booth: TestBooth;
const v1 = randomBytes(120_000);
let restoreAppImage: () => void = () => undefined;
const log = createLogger('updater', 'silent');

const events = async (boothId: string) => (await fx.server.archive.db.selectFrom('fleet_update_events').select(['version', 'outcome', 'message']).where('booth_id', '=', boothId).orderBy('event_id').execute());

beforeAll(async () => {
  fx = await openApiFixture();
  const admin = (await staffLogin(fx.server, { roles: ['admin'], branches: '*' })).headers;
  restoreAppImage = await fakeAppImage(fx.dir);
  await releaseVia(fx.server, admin, { version: '0.1.0', artifacts: { linux: v1 }, rollout: { percent: 100, branches: null } });
  await releaseVia(fx.server, admin, { version: '0.2.0', artifacts: { linux: randomBytes(1000) }, rollout: { percent: 100, branches: null } });
});

afterAll(async () => {
  restoreAppImage();
  await fx?.close();
});

describe('first start of a new version', () => {
  it('a version whose booth never comes up is reported start-failed and the previous release is installed', async () => {
    booth = await enrollBooth(fx.server, 'br-a', 'falls-back');
    const dir = join(fx.dir, 'fallback');
    const marker = new StartMarker(join(dir, 'user-data'));
    // What 0.1.0 wrote before it installed 0.2.0.
    await marker.beforeInstall('0.1.0', '0.2.0', { url: feedOf(fx.base, booth, '0').url, headers: booth.headers });
    const updater = await TestLinuxUpdater.create(dir, '0.2.0');
    const handle = startUpdater({ updater, userDataDir: join(dir, 'user-data'), appVersion: '0.2.0', confirmWithinMs: 1000, checkEveryMs: 3600_000, log });
    try {
      // No booth is ever attached (createBoothHost failed).
      await waitFor(async () => updater.installs.length > 0, 20_000, 'the fallback install');
      expect(await readFile(updater.installs[0]!.file!)).toEqual(v1);
      expect(await events(booth.boothId)).toEqual([
        { version: '0.2.0', outcome: 'start-failed', message: 'the booth did not come up within 1 s' },
        { version: '0.1.0', outcome: 'downloaded', message: null },
        { version: '0.1.0', outcome: 'installing', message: null },
      ]);
      // The marker now guards the start of 0.1.0.
      expect(JSON.parse(await readFile(marker.path, 'utf8'))).toMatchObject({ from: '0.2.0', to: '0.1.0', starts: 0 });
    } finally {
      handle.close();
    }
  });

  it('a version whose booth answers is confirmed: installed is reported and the marker removed', async () => {
    const b = await enrollBooth(fx.server, 'br-a', 'confirms');
    const dir = join(fx.dir, 'confirm');
    const marker = new StartMarker(join(dir, 'user-data'));
    const feed = { url: feedOf(fx.base, b, '0').url, headers: b.headers };
    await marker.beforeInstall('0.1.0', '0.2.0', feed);
    const updater = await TestLinuxUpdater.create(dir, '0.2.0');
    const handle = startUpdater({ updater, userDataDir: join(dir, 'user-data'), appVersion: '0.2.0', confirmWithinMs: 60_000, checkEveryMs: 3600_000, log });
    try {
      // The booth host as main/booth-host.ts returns it; its update port here talks to the server directly.
      const call = vi.fn(() => Promise.resolve({}));
      handle.attach({ call, updates: new DirectUpdatePort(feed, log), onEvent: () => () => undefined, onPreview: () => () => undefined, disclosureFile: () => Promise.reject(new Error('no content in this test')), catalogueFile: () => Promise.reject(new Error('no content in this test')), close: () => Promise.resolve() });
      await waitFor(async () => (await events(b.boothId)).length > 0, 20_000, 'the outcome');
      expect(call).toHaveBeenCalledWith({ type: 'getState' });
      expect(await events(b.boothId)).toEqual([{ version: '0.2.0', outcome: 'installed', message: '0.1.0 -> 0.2.0' }]);
      await expect(readFile(marker.path)).rejects.toMatchObject({ code: 'ENOENT' });
      // Then it checks the feed: 0.2.0 is what it runs, nothing to install.
      await new Promise((r) => setTimeout(r, 500));
      expect(updater.installs).toEqual([]);
    } finally {
      handle.close();
    }
  });
});
