import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { configureAutostart, desktopArg, DESKTOP_FILE } from '../../../main/autostart.js';

// No Electron here: autostart takes the one Electron call it needs (setLoginItemSettings) as a
// parameter; the Linux entry is a real file in a temporary folder.
const base = { execPath: '/opt/dualrec/dualrec.AppImage', args: ['--config=/etc/dualrec/booth one.json'] };

describe('start at login', () => {
  it('writes and removes an XDG autostart entry on Linux', () => {
    const configHome = mkdtempSync(join(tmpdir(), 'dualrec-xdg-'));
    const setLoginItemSettings = vi.fn();
    const on = configureAutostart({ ...base, platform: 'linux', enabled: true, configHome, setLoginItemSettings });
    const file = join(configHome, 'autostart', DESKTOP_FILE);
    expect(on).toEqual({ method: 'xdg-autostart', enabled: true, file });
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('[Desktop Entry]\nType=Application\n');
    expect(text).toContain('Exec=/opt/dualrec/dualrec.AppImage "--config=/etc/dualrec/booth one.json"\n');
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(configureAutostart({ ...base, platform: 'linux', enabled: false, configHome, setLoginItemSettings })).toMatchObject({ enabled: false });
    expect(existsSync(file)).toBe(false);
    expect(setLoginItemSettings).not.toHaveBeenCalled();
  });

  it.each(['win32', 'darwin'] as const)('uses the login item on %s', (platform) => {
    const setLoginItemSettings = vi.fn();
    expect(configureAutostart({ ...base, platform, enabled: true, configHome: '/nowhere', setLoginItemSettings })).toEqual({ method: 'login-item', enabled: true });
    expect(setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true, path: base.execPath, args: base.args });
  });

  it('says when a platform has no autostart', () => {
    expect(configureAutostart({ ...base, platform: 'freebsd', enabled: true, configHome: '/nowhere', setLoginItemSettings: vi.fn() })).toEqual({ method: 'none', reason: 'no autostart on freebsd' });
  });

  it('quotes Exec arguments per the Desktop Entry Specification', () => {
    expect(desktopArg('/usr/bin/dualrec')).toBe('/usr/bin/dualrec');
    expect(desktopArg('a b')).toBe('"a b"');
    expect(desktopArg('say "hi" $HOME `x` \\')).toBe('"say \\"hi\\" \\$HOME \\`x\\` \\\\"');
  });
});
