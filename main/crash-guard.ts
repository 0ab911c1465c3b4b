import type { WebContents } from 'electron';
import type { Logger } from '../src/platform/log.js';

export interface CrashGuardOptions {
  log: Logger;
  /** A renderer that stays unresponsive this long is crashed on purpose (and so reloaded). */
  unresponsiveMs?: number;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}

/** Delay before the next reload: at once for a first crash, then doubling per crash within a minute, at most 30 s. */
export function reloadDelayMs(recentCrashes: number): number {
  return recentCrashes <= 1 ? 0 : Math.min(30_000, 1000 * 2 ** (recentCrashes - 2));
}

/**
 * Keeps the kiosk page alive: when its renderer process dies (crash, OOM, killed) the page is
 * loaded again, with a growing delay if it keeps dying; a renderer that hangs is crashed on
 * purpose after `unresponsiveMs`. The session itself lives in the booth, so the reloaded page
 * shows the step the flow is at.
 */
export function guardRenderer(wc: WebContents, opts: CrashGuardOptions): void {
  const now = opts.now ?? Date.now;
  const setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = opts.clearTimer ?? ((t) => clearTimeout(t as NodeJS.Timeout));
  const crashes: number[] = [];
  let hang: unknown = null;

  wc.on('render-process-gone', (_event, details) => {
    if (details.reason === 'clean-exit') return;
    const t = now();
    crashes.push(t);
    while (crashes.length > 0 && crashes[0]! < t - 60_000) crashes.shift();
    const delay = reloadDelayMs(crashes.length);
    opts.log.error({ reason: details.reason, exitCode: details.exitCode, reloadInMs: delay }, 'the kiosk renderer is gone; reloading it');
    setTimer(() => {
      if (!wc.isDestroyed()) wc.reload();
    }, delay);
  });
  wc.on('unresponsive', () => {
    if (hang !== null) return;
    hang = setTimer(() => {
      hang = null;
      opts.log.error('the kiosk renderer hangs; restarting it');
      if (!wc.isDestroyed()) wc.forcefullyCrashRenderer();
    }, opts.unresponsiveMs ?? 15_000);
  });
  wc.on('responsive', () => {
    if (hang !== null) clearTimer(hang);
    hang = null;
  });
}
