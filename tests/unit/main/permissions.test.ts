import { describe, expect, it, vi } from 'vitest';
import { installPermissionPolicy } from '../../../main/permissions.js';
import { FakeSession, fakeEvent } from './fake-electron.js';

// The Electron binary cannot run on the build machines, so `electron` is mocked (main/permissions
// only needs its types).
vi.mock('electron', () => ({}));

const KIOSK_URL = 'file:///opt/dualrec/out/renderer/kiosk/index.html';

function installed(): FakeSession {
  const ses = new FakeSession();
  installPermissionPolicy(ses as never, KIOSK_URL);
  return ses;
}

function request(ses: FakeSession, permission: string, requestingUrl: string, isMainFrame = true): boolean {
  let granted: boolean | undefined;
  ses.requestHandler?.({}, permission, (g) => (granted = g), { isMainFrame, requestingUrl });
  if (granted === undefined) throw new Error('the handler did not answer');
  return granted;
}

describe('permission policy', () => {
  it('grants camera and microphone to the kiosk page', () => {
    const ses = installed();
    expect(request(ses, 'media', KIOSK_URL)).toBe(true);
    expect(request(ses, 'media', `${KIOSK_URL}#/session`)).toBe(true);
    expect(ses.checkHandler?.({}, 'media', 'file:///', { isMainFrame: true, requestingUrl: KIOSK_URL })).toBe(true);
  });

  it('denies media to any other page or to a subframe', () => {
    const ses = installed();
    expect(request(ses, 'media', 'https://evil.example/')).toBe(false);
    expect(request(ses, 'media', 'file:///tmp/other.html')).toBe(false);
    expect(request(ses, 'media', 'http://127.0.0.1:8090/kiosk/index.html')).toBe(false);
    expect(request(ses, 'media', KIOSK_URL, false)).toBe(false);
    expect(ses.checkHandler?.({}, 'media', 'https://evil.example', { isMainFrame: true, requestingUrl: 'https://evil.example/' })).toBe(false);
    expect(ses.checkHandler?.({}, 'media', 'file:///', { isMainFrame: true })).toBe(false);
  });

  it.each(['geolocation', 'notifications', 'display-capture', 'clipboard-read', 'openExternal', 'fullscreen', 'hid'])(
    'denies %s even to the kiosk page',
    (permission) => {
      const ses = installed();
      expect(request(ses, permission, KIOSK_URL)).toBe(false);
      expect(ses.checkHandler?.({}, permission, 'file:///', { isMainFrame: true, requestingUrl: KIOSK_URL })).toBe(false);
    },
  );

  it('refuses device pickers and downloads', () => {
    const ses = installed();
    expect(ses.deviceHandler?.()).toBe(false);
    const download = fakeEvent();
    ses.emit('will-download', download, {}, {});
    expect(download.defaultPrevented()).toBe(true);
  });
});
