import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface ShellPaths {
  /** Absolute path of the sandboxed CommonJS preload. */
  preload: string;
  /** file:// URL of the kiosk page; the only page the kiosk window may show or call the booth from. */
  kioskUrl: string;
}

/** Locations of the built files, given the directory of out/main/index.js (see electron.vite.config.ts). */
export function shellPaths(mainDir: string): ShellPaths {
  return {
    preload: join(mainDir, '..', 'preload', 'preload.cjs'),
    kioskUrl: pathToFileURL(join(mainDir, '..', 'renderer', 'kiosk', 'index.html')).href,
  };
}

/** True when `url` is the kiosk page itself; query and fragment are ignored, nothing else is. */
export function isKioskUrl(url: string, kioskUrl: string): boolean {
  if (!URL.canParse(url)) return false;
  const u = new URL(url);
  u.hash = '';
  u.search = '';
  return u.protocol === 'file:' && u.href === kioskUrl;
}
