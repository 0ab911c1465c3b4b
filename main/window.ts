import { BrowserWindow, type Input, type WebContents, type WebPreferences } from 'electron';

export interface KioskWindowOptions {
  preloadPath: string;
  kioskUrl: string;
  /** `app.isPackaged`: when true, devtools are off and reload/devtools/zoom shortcuts are swallowed. */
  packaged: boolean;
}

/** The renderer runs sandboxed and isolated, without Node, with web security on. */
export function kioskWebPreferences(preloadPath: string, packaged: boolean): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    devTools: !packaged,
    // The risk-disclosure video must start without a click.
    autoplayPolicy: 'no-user-gesture-required',
  };
}

type ShortcutInput = Pick<Input, 'type' | 'key' | 'control' | 'meta' | 'shift' | 'alt'>;

/** Reload, devtools, zoom, print and close-window shortcuts, which a kiosk user must not reach. */
export function isBlockedShortcut(input: ShortcutInput): boolean {
  if (input.type !== 'keyDown') return false;
  const key = input.key.toLowerCase();
  if (key === 'f5' || key === 'f12') return true;
  if (!(input.control || input.meta)) return false;
  if (['r', 'w', 'p', '+', '-', '=', '0'].includes(key)) return true;
  return (input.shift || input.alt) && ['i', 'j', 'c'].includes(key);
}

/**
 * Locks a kiosk webContents: every navigation and redirect away from the loaded page is
 * prevented, window.open is denied, <webview> cannot attach, and (packaged) shortcuts that reload
 * or open devtools do nothing.
 */
export function lockDownWebContents(wc: WebContents, packaged: boolean): void {
  wc.on('will-navigate', (event) => {
    event.preventDefault();
  });
  wc.on('will-redirect', (event) => {
    event.preventDefault();
  });
  wc.on('will-attach-webview', (event) => {
    event.preventDefault();
  });
  wc.setWindowOpenHandler(() => ({ action: 'deny' }));
  if (packaged) {
    wc.on('before-input-event', (event, input) => {
      if (isBlockedShortcut(input)) event.preventDefault();
    });
    wc.on('devtools-opened', () => {
      wc.closeDevTools();
    });
  }
}

/** Creates the fullscreen kiosk window and resolves once the kiosk page has loaded. */
export async function openKioskWindow(options: KioskWindowOptions): Promise<BrowserWindow> {
  const win = new BrowserWindow({
    title: 'dualrec',
    kiosk: true,
    fullscreen: true,
    autoHideMenuBar: true,
    backgroundColor: '#f3f5f8',
    show: false,
    webPreferences: kioskWebPreferences(options.preloadPath, options.packaged),
  });
  lockDownWebContents(win.webContents, options.packaged);
  win.once('ready-to-show', () => {
    win.show();
  });
  await win.loadURL(options.kioskUrl);
  return win;
}
