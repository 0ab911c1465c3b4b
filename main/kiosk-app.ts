import { homedir } from 'node:os';
import { join } from 'node:path';
import { app, Menu, session, type BrowserWindow } from 'electron';
import type { BoothHost } from './booth-host-types.js';
import { createLogger } from '../src/platform/log.js';
import { configureAutostart } from './autostart.js';
import { installContentProtocol, registerContentScheme } from './content-protocol.js';
import { guardRenderer } from './crash-guard.js';
import { registerBoothIpc } from './ipc.js';
import { installPermissionPolicy } from './permissions.js';
import { shellPaths } from './paths.js';
import { openKioskWindow } from './window.js';

export interface KioskAppOptions {
  /** Directory of out/main/index.js. */
  mainDir: string;
  createHost: () => Promise<BoothHost>;
  /** Start at login (packaged builds only); `--no-autostart` turns it off. */
  autostart?: boolean;
}

/** Stands in for a booth that failed to start, so the kiosk shows why instead of a blank screen. */
export function unavailableHost(cause: unknown): BoothHost {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return {
    call: () => Promise.reject(new Error(`the booth failed to start: ${reason}`)),
    onEvent: () => () => undefined,
    onPreview: () => () => undefined,
    disclosureFile: () => Promise.reject(new Error(`the booth failed to start: ${reason}`)),
    catalogueFile: () => Promise.reject(new Error(`the booth failed to start: ${reason}`)),
    close: () => Promise.resolve(),
  };
}

/**
 * The Electron app: one kiosk window per machine (single-instance lock), locked down, wired to
 * the booth over IPC. The booth is closed before the process exits.
 */
export function runKioskApp(options: KioskAppOptions): void {
  const log = createLogger('main');
  if (!app.requestSingleInstanceLock()) {
    log.warn('another dualrec kiosk is running; quitting');
    app.quit();
    return;
  }
  registerContentScheme();
  const paths = shellPaths(options.mainDir);
  const packaged = app.isPackaged;
  let win: BrowserWindow | null = null;
  let host: BoothHost | null = null;
  let disposeIpc: (() => void) | null = null;

  app.on('second-instance', () => {
    if (win === null) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('window-all-closed', () => {
    app.quit();
  });
  app.on('will-quit', (event) => {
    if (host === null) return;
    event.preventDefault();
    const closing = host;
    host = null;
    disposeIpc?.();
    closing.close().then(
      () => app.quit(),
      (err: unknown) => {
        log.error({ err }, 'closing the booth failed');
        app.exit(1);
      },
    );
  });

  void app.whenReady().then(async () => {
    if (packaged) {
      Menu.setApplicationMenu(null);
      setUpAutostart(options.autostart ?? true, log);
    }
    installPermissionPolicy(session.defaultSession, paths.kioskUrl);
    try {
      host = await options.createHost();
    } catch (err) {
      log.error({ err }, 'the booth failed to start');
      host = unavailableHost(err);
    }
    disposeIpc = registerBoothIpc({ host, kioskUrl: paths.kioskUrl, target: () => win?.webContents ?? null });
    installContentProtocol(session.defaultSession, host);
    win = await openKioskWindow({ preloadPath: paths.preload, kioskUrl: paths.kioskUrl, packaged });
    guardRenderer(win.webContents, { log });
    win.on('closed', () => {
      win = null;
    });
  }).catch((err: unknown) => {
    log.fatal({ err }, 'the kiosk failed to start');
    app.exit(1);
  });
}

/** Registers (or removes) the start at login; a failure is logged, the kiosk runs on. */
function setUpAutostart(enabled: boolean, log: ReturnType<typeof createLogger>): void {
  try {
    const result = configureAutostart({
      platform: process.platform,
      enabled,
      // An AppImage runs from a temporary mount; $APPIMAGE is the file to start again.
      execPath: process.env['APPIMAGE'] ?? process.execPath,
      args: process.argv.slice(1).filter((a) => a.startsWith('--config=')),
      configHome: process.env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config'),
      setLoginItemSettings: (s) => app.setLoginItemSettings(s),
    });
    log.info({ autostart: result }, 'start at login configured');
  } catch (err) {
    log.error({ err }, 'cannot configure the start at login');
  }
}
