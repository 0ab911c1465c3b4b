import { beforeEach, describe, expect, it, vi } from 'vitest';
import { isBlockedShortcut, kioskWebPreferences, lockDownWebContents, openKioskWindow } from '../../../main/window.js';
import { FakeBrowserWindow, FakeWebContents, fakeEvent } from './fake-electron.js';

// The Electron binary cannot run on the build machines (it is downloaded lazily, and downloads
// fail there), so `electron` is replaced by test doubles.
vi.mock('electron', async () => {
  const fake = await import('./fake-electron.js');
  return { BrowserWindow: fake.FakeBrowserWindow };
});

const KIOSK_URL = 'file:///opt/dualrec/out/renderer/kiosk/index.html';

function key(k: string, mods: Partial<{ control: boolean; meta: boolean; shift: boolean; alt: boolean }> = {}) {
  return { type: 'keyDown', key: k, control: false, meta: false, shift: false, alt: false, ...mods };
}

beforeEach(() => {
  FakeBrowserWindow.instances.length = 0;
});

describe('kiosk webPreferences', () => {
  it('isolates and sandboxes the renderer, without Node', () => {
    const prefs = kioskWebPreferences('/app/out/preload/preload.cjs', true);
    expect(prefs).toMatchObject({
      preload: '/app/out/preload/preload.cjs',
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: false,
    });
  });

  it('keeps devtools available only when not packaged', () => {
    expect(kioskWebPreferences('/p.cjs', false).devTools).toBe(true);
  });
});

describe('openKioskWindow', () => {
  it('creates one fullscreen kiosk window with the locked-down preferences and loads the kiosk page', async () => {
    const win = await openKioskWindow({ preloadPath: '/p.cjs', kioskUrl: KIOSK_URL, packaged: true });
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    const created = FakeBrowserWindow.instances[0]!;
    expect(win).toBe(created);
    expect(created.options).toMatchObject({ kiosk: true, fullscreen: true, show: false });
    expect(created.options['webPreferences']).toEqual(kioskWebPreferences('/p.cjs', true));
    expect(created.loadURL).toHaveBeenCalledWith(KIOSK_URL);
    expect(created.webContents.windowOpenHandler).not.toBeNull();
  });
});

describe('lockDownWebContents', () => {
  it('prevents every navigation and redirect, including to the kiosk page itself', () => {
    const wc = new FakeWebContents();
    lockDownWebContents(wc as never, true);
    for (const [name, url] of [
      ['will-navigate', 'https://evil.example/'],
      ['will-navigate', KIOSK_URL],
      ['will-redirect', 'https://evil.example/'],
    ] as const) {
      const event = fakeEvent();
      wc.emit(name, Object.assign(event, { url }), url);
      expect(event.defaultPrevented(), `${name} ${url}`).toBe(true);
    }
  });

  it('denies new windows and <webview>', () => {
    const wc = new FakeWebContents();
    lockDownWebContents(wc as never, true);
    expect(wc.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(wc.windowOpenHandler?.({ url: KIOSK_URL })).toEqual({ action: 'deny' });
    const event = fakeEvent();
    wc.emit('will-attach-webview', event, {}, {});
    expect(event.defaultPrevented()).toBe(true);
  });

  it('swallows reload and devtools shortcuts when packaged', () => {
    const wc = new FakeWebContents();
    lockDownWebContents(wc as never, true);
    const reload = fakeEvent();
    wc.emit('before-input-event', reload, key('r', { control: true }));
    expect(reload.defaultPrevented()).toBe(true);
    const typing = fakeEvent();
    wc.emit('before-input-event', typing, key('r'));
    expect(typing.defaultPrevented()).toBe(false);
    wc.emit('devtools-opened');
    expect(wc.closeDevTools).toHaveBeenCalledOnce();
  });

  it('leaves shortcuts alone when not packaged', () => {
    const wc = new FakeWebContents();
    lockDownWebContents(wc as never, false);
    expect(wc.listenerCount('before-input-event')).toBe(0);
    expect(wc.listenerCount('will-navigate')).toBe(1);
  });
});

describe('isBlockedShortcut', () => {
  it.each([
    ['F5', key('F5')],
    ['F12', key('F12')],
    ['Ctrl+R', key('r', { control: true })],
    ['Cmd+R', key('r', { meta: true })],
    ['Ctrl+Shift+R', key('R', { control: true, shift: true })],
    ['Ctrl+Shift+I', key('I', { control: true, shift: true })],
    ['Cmd+Alt+I', key('i', { meta: true, alt: true })],
    ['Ctrl+Shift+J', key('J', { control: true, shift: true })],
    ['Ctrl+W', key('w', { control: true })],
    ['Ctrl+=', key('=', { control: true })],
    ['Ctrl+-', key('-', { control: true })],
    ['Ctrl+0', key('0', { control: true })],
  ])('blocks %s', (_name, input) => {
    expect(isBlockedShortcut(input)).toBe(true);
  });

  it.each([
    ['typing r', key('r')],
    ['typing I', key('I', { shift: true })],
    ['Ctrl+A', key('a', { control: true })],
    ['Ctrl+I without shift', key('i', { control: true })],
    ['key up of Ctrl+R', { ...key('r', { control: true }), type: 'keyUp' }],
  ])('allows %s', (_name, input) => {
    expect(isBlockedShortcut(input)).toBe(false);
  });
});
