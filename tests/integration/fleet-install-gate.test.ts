// The install-when-idle rule with the real parts: a real booth (fake devices, real FFmpeg, SQLite)
// and server, main/update-controller.ts driving electron-updater's AppImageUpdater against the
// server's feed (Node AppAdapter and HTTP executor instead of Electron's; quitAndInstall recorded
// instead of replacing this process's files). An update that arrives during a session is downloaded
// at once but installed only after the session has ended AND reached the server.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpdateController } from '../../main/update-controller.js';
import { StartMarker } from '../../main/start-marker.js';
import { readAppVersion } from '../../src/booth/fleet/app-version.js';
import { createLogger } from '../../src/platform/log.js';
import { CLI_ACTOR } from '../../src/server/auth/admin-actor.js';
import { TestLinuxUpdater, fakeAppImage } from '../helpers/electron-updater.js';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';

let stack: Stack;
let restoreAppImage: () => void = () => undefined;
const artifact = randomBytes(200_000);

beforeAll(async () => {
  stack = await startStack({ booth: { fleet: { configPollMs: 500, idleQuietSec: 1 }, sync: { statusEveryMs: 500 } } });
  restoreAppImage = await fakeAppImage(stack.dataDir);
  const releases = stack.server.fleet.releases;
  const r = await releases.create(CLI_ACTOR, { version: '99.0.0', channel: 'stable', notes: '' });
  await releases.uploadArtifact(CLI_ACTOR, r.releaseId, 'linux', 'dualrec-99.0.0.AppImage', Readable.from([artifact]), null);
  await releases.publish(CLI_ACTOR, r.releaseId, { percent: 100, branches: null });
});

afterAll(async () => {
  restoreAppImage();
  await stack?.close();
});

describe('install when idle', () => {
  it('an update arriving during a session waits until the session has ended and synced, then installs', async () => {
    const port = stack.booth.fleet.updates;
    const appVersion = readAppVersion();
    const updater = await TestLinuxUpdater.create(join(stack.dataDir, 'updater'), appVersion);
    const marker = new StartMarker(join(stack.dataDir, 'user-data'));
    const controller = new UpdateController({ updater, port, feed: port.feed()!, marker, appVersion, log: createLogger('updater', 'silent'), installErrorWaitMs: 200 });

    const { sessionId } = (await stack.booth.handle({ type: 'startSession', productId: 'demo-fund-001' })) as { sessionId: string };
    await waitFor(async () => ((await stack.booth.state()).session?.segmentsSealed ?? 0) >= 1, 20_000, 'a sealed segment');
    const checked = controller.check();
    // Downloaded (and SHA-512 verified) at once, then waiting.
    await waitFor(async () => port.state?.phase === 'waiting-idle', 20_000, 'the update downloaded and waiting');
    expect(port.state).toMatchObject({ version: '99.0.0', message: 'a session is recording' });
    expect(await readFile(updater.downloadedFile!)).toEqual(artifact);
    await new Promise((r) => setTimeout(r, 1500));
    expect(updater.installs).toEqual([]);

    // The session ends while the server is away: ended, but not synced.
    await stack.stopServer();
    await stack.booth.handle({ type: 'stopSession' });
    await new Promise((r) => setTimeout(r, 2500));
    expect(await port.waitingFor()).toBe('the last session to reach the server');
    expect(updater.installs).toEqual([]);

    // The server returns, the session syncs, and only then the update installs.
    await stack.restartServer();
    await checked;
    expect(updater.installs).toEqual([{ silent: true, runAfter: true, file: updater.downloadedFile }]);
    const s = await stack.server.archive.db.selectFrom('sessions').select(['manifest_json']).where('session_id', '=', sessionId).executeTakeFirstOrThrow();
    expect(s.manifest_json).not.toBeNull();
    const pending = await stack.server.archive.db.selectFrom('segments').select('seq').where('session_id', '=', sessionId).execute();
    expect(pending.length).toBeGreaterThan(0);
    expect(port.state).toMatchObject({ phase: 'installing', version: '99.0.0' });
    // The start marker names both versions for the next start.
    expect(JSON.parse(await readFile(marker.path, 'utf8'))).toMatchObject({ from: appVersion, to: '99.0.0', starts: 0 });

    // Until the app quits, no new session may start.
    const refused = await stack.booth.handle({ type: 'startSession', productId: 'demo-fund-001' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ code: 'booth.updating', status: 409 });
    const events = await waitFor(async () => {
      const rows = await stack.server.archive.db.selectFrom('fleet_update_events').select(['version', 'outcome']).where('booth_id', '=', stack.booth.boothId!).orderBy('event_id').execute();
      return rows.length >= 2 ? rows : null;
    }, 10_000, 'the outcomes on the server');
    expect(events).toEqual([
      { version: '99.0.0', outcome: 'downloaded' },
      { version: '99.0.0', outcome: 'installing' },
    ]);
  });
});
