import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BoothHost } from '../../../main/booth-host-types.js';
import { runKioskApp } from '../../../main/kiosk-app.js';
import { IPC_CALL_CHANNEL } from '../../../src/protocol/booth-api.js';
import { FakeBrowserWindow, FakeIpcMain, FakeSession, fakeEvent } from './fake-electron.js';

// The Electron binary cannot run on the build machines, so `electron` is replaced by test doubles.
const electron = vi.hoisted(() => ({ app: null as unknown, session: null as unknown, ipcMain: null as unknown, schemes: [] as unknown[] }));
vi.mock('electron', async () => {
  const fake = await import('./fake-electron.js');
  return {
    get app() {
      return electron.app;
    },
    get session() {
      return electron.session;
    },
    get ipcMain() {
      return electron.ipcMain;
    },
    BrowserWindow: fake.FakeBrowserWindow,
    Menu: { setApplicationMenu: vi.fn() },
    protocol: { registerSchemesAsPrivileged: (s: unknown[]) => electron.schemes.push(...s) },
    net: { fetch: vi.fn() },
  };
});

class FakeApp extends EventEmitter {
  isPackaged = true;
  gotLock = true;
  private ready: () => void = () => undefined;
  readonly readyPromise = new Promise<void>((resolve) => (this.ready = resolve));
  readonly quit = vi.fn();
  readonly exit = vi.fn();
  readonly setLoginItemSettings = vi.fn();
  requestSingleInstanceLock(): boolean {
    return this.gotLock;
  }
  whenReady(): Promise<void> {
    return this.readyPromise;
  }
  becomeReady(): void {
    this.ready();
  }
}

class FakeHost implements BoothHost {
  readonly close = vi.fn(() => Promise.resolve());
  call(): Promise<unknown> {
    return Promise.resolve('state');
  }
  onEvent(): () => void {
    return () => undefined;
  }
  onPreview(): () => void {
    return () => undefined;
  }
  disclosureFile(): Promise<string> {
    return Promise.resolve('/content/demo.webm');
  }
  catalogueFile(): Promise<string> {
    return Promise.resolve('/catalogue/blobs/x');
  }
}

const MAIN_DIR = '/opt/dualrec/out/main';
const KIOSK_URL = 'file:///opt/dualrec/out/renderer/kiosk/index.html';

let app: FakeApp;
let ses: FakeSession;
let ipcMain: FakeIpcMain;

let configHome: string;

afterEach(() => {
  rmSync(configHome, { recursive: true, force: true });
});

beforeEach(() => {
  process.env['DUALREC_LOG_LEVEL'] = 'silent';
  configHome = mkdtempSync(join(tmpdir(), 'dualrec-xdg-'));
  process.env['XDG_CONFIG_HOME'] = configHome;
  electron.schemes.length = 0;
  app = new FakeApp();
  ses = new FakeSession();
  ipcMain = new FakeIpcMain();
  electron.app = app;
  electron.session = { defaultSession: ses };
  electron.ipcMain = ipcMain;
  FakeBrowserWindow.instances.length = 0;
});

async function started(createHost: () => Promise<BoothHost>): Promise<FakeBrowserWindow> {
  runKioskApp({ mainDir: MAIN_DIR, createHost });
  app.becomeReady();
  await vi.waitFor(() => {
    if (FakeBrowserWindow.instances.length !== 1) throw new Error('no window yet');
  });
  return FakeBrowserWindow.instances[0]!;
}

describe('kiosk app', () => {
  it('quits at once when another instance holds the lock', async () => {
    app.gotLock = false;
    const createHost = vi.fn(() => Promise.resolve(new FakeHost()));
    runKioskApp({ mainDir: MAIN_DIR, createHost });
    app.becomeReady();
    await new Promise((r) => setTimeout(r, 10));
    expect(app.quit).toHaveBeenCalled();
    expect(createHost).not.toHaveBeenCalled();
    expect(FakeBrowserWindow.instances).toHaveLength(0);
  });

  it('starts the booth, installs the permission policy and IPC, then opens the kiosk page', async () => {
    const host = new FakeHost();
    const win = await started(() => Promise.resolve(host));
    expect(ses.requestHandler).not.toBeNull();
    expect(ipcMain.handlers.has(IPC_CALL_CHANNEL)).toBe(true);
    expect(win.loadURL).toHaveBeenCalledWith(KIOSK_URL);
    expect(win.options['webPreferences']).toMatchObject({ preload: '/opt/dualrec/out/preload/preload.cjs', sandbox: true });
    const answer = await ipcMain.handlers.get(IPC_CALL_CHANNEL)?.({ senderFrame: { url: KIOSK_URL } }, { type: 'getState' });
    expect(answer).toBe('state');
  });

  it('still opens the kiosk when the booth fails to start, and every call reports why', async () => {
    await started(() => Promise.reject(new Error('ffmpeg not found')));
    const call = ipcMain.handlers.get(IPC_CALL_CHANNEL)?.({ senderFrame: { url: KIOSK_URL } }, { type: 'getState' });
    await expect(call).rejects.toThrow('the booth failed to start: ffmpeg not found');
  });

  it('focuses the kiosk when a second instance starts', async () => {
    const win = await started(() => Promise.resolve(new FakeHost()));
    app.emit('second-instance');
    expect(win.focus).toHaveBeenCalled();
  });

  it('closes the booth once before quitting', async () => {
    const host = new FakeHost();
    await started(() => Promise.resolve(host));
    const first = fakeEvent();
    app.emit('will-quit', first);
    expect(first.defaultPrevented()).toBe(true);
    await vi.waitFor(() => expect(app.quit).toHaveBeenCalled());
    expect(ipcMain.handlers.has(IPC_CALL_CHANNEL)).toBe(false);
    const second = fakeEvent();
    app.emit('will-quit', second);
    expect(second.defaultPrevented()).toBe(false);
    expect(host.close).toHaveBeenCalledOnce();
  });
});

describe('kiosk app wiring added for the guided session', () => {
  it('registers the content scheme before ready and serves it from the booth once ready', async () => {
    runKioskApp({ mainDir: MAIN_DIR, createHost: () => Promise.resolve(new FakeHost()) });
    expect(electron.schemes).toEqual([{ scheme: 'dualrec-content', privileges: { standard: true, secure: true, stream: true } }]);
    app.becomeReady();
    await vi.waitFor(() => expect(FakeBrowserWindow.instances).toHaveLength(1));
    expect(ses.protocol.handlers.has('dualrec-content')).toBe(true);
  });

  it('reloads the kiosk page when its renderer crashes', async () => {
    const win = await started(() => Promise.resolve(new FakeHost()));
    win.webContents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
    await vi.waitFor(() => expect(win.webContents.reload).toHaveBeenCalledOnce());
  });

  it('registers a packaged kiosk to start at login (XDG autostart entry on Linux, login item elsewhere)', async () => {
    await started(() => Promise.resolve(new FakeHost()));
    if (process.platform === 'linux') {
      const entry = readFileSync(join(configHome, 'autostart', 'dualrec-kiosk.desktop'), 'utf8');
      expect(entry).toContain(`Exec=${process.execPath}`);
    } else {
      expect(app.setLoginItemSettings).toHaveBeenCalledWith(expect.objectContaining({ openAtLogin: true }));
    }
  });

  it('does not register itself when started with autostart off', async () => {
    runKioskApp({ mainDir: MAIN_DIR, createHost: () => Promise.resolve(new FakeHost()), autostart: false });
    app.becomeReady();
    await vi.waitFor(() => expect(FakeBrowserWindow.instances).toHaveLength(1));
    expect(() => readFileSync(join(configHome, 'autostart', 'dualrec-kiosk.desktop'))).toThrow(/ENOENT/);
    expect(app.setLoginItemSettings).not.toHaveBeenCalledWith(expect.objectContaining({ openAtLogin: true }));
  });
});
