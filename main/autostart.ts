import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where and how the kiosk starts at login. */
export type AutostartResult = { method: 'login-item'; enabled: boolean } | { method: 'xdg-autostart'; enabled: boolean; file: string } | { method: 'none'; reason: string };

export interface AutostartOptions {
  platform: NodeJS.Platform;
  enabled: boolean;
  /** The binary to start (an AppImage's own path, not the mounted copy). */
  execPath: string;
  args: string[];
  /** $XDG_CONFIG_HOME (default ~/.config) on Linux. */
  configHome: string;
  setLoginItemSettings: (s: { openAtLogin: boolean; path: string; args: string[] }) => void;
}

export const DESKTOP_FILE = 'dualrec-kiosk.desktop';

/** One Exec= argument, quoted per the Desktop Entry Specification when it needs it. */
export function desktopArg(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `"${arg.replace(/(["`$\\])/g, '\\$1')}"`;
}

/**
 * Starts the kiosk when the kiosk user logs in: Windows and macOS through the login item
 * (`app.setLoginItemSettings`), Linux desktops through an XDG autostart entry in
 * `~/.config/autostart/`. Disabling removes what enabling set up.
 */
export function configureAutostart(o: AutostartOptions): AutostartResult {
  if (o.platform === 'win32' || o.platform === 'darwin') {
    o.setLoginItemSettings({ openAtLogin: o.enabled, path: o.execPath, args: o.args });
    return { method: 'login-item', enabled: o.enabled };
  }
  if (o.platform !== 'linux') return { method: 'none', reason: `no autostart on ${o.platform}` };
  const dir = join(o.configHome, 'autostart');
  const file = join(dir, DESKTOP_FILE);
  if (!o.enabled) {
    rmSync(file, { force: true });
    return { method: 'xdg-autostart', enabled: false, file };
  }
  mkdirSync(dir, { recursive: true });
  const exec = [o.execPath, ...o.args].map(desktopArg).join(' ');
  writeFileSync(file, ['[Desktop Entry]', 'Type=Application', 'Name=dualrec kiosk', `Exec=${exec}`, 'X-GNOME-Autostart-enabled=true', 'NoDisplay=true', ''].join('\n'), { mode: 0o644 });
  return { method: 'xdg-autostart', enabled: true, file };
}
