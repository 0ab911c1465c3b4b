// Test doubles for the parts of Electron that main/ uses. The Electron binary cannot be
// downloaded or run on the build machines, so tests replace the `electron` module with these
// (see vi.mock('electron', ...) in each test file).
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

/** An Electron-style event whose default can be prevented. */
export function fakeEvent(): { preventDefault: ReturnType<typeof vi.fn>; defaultPrevented: () => boolean } {
  const preventDefault = vi.fn();
  return { preventDefault, defaultPrevented: () => preventDefault.mock.calls.length > 0 };
}

type OpenHandler = (details: { url: string }) => { action: 'allow' | 'deny' };

export class FakeWebContents extends EventEmitter {
  windowOpenHandler: OpenHandler | null = null;
  destroyed = false;
  readonly sent: Array<[string, unknown]> = [];
  setWindowOpenHandler(handler: OpenHandler): void {
    this.windowOpenHandler = handler;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  send(channel: string, payload: unknown): void {
    this.sent.push([channel, payload]);
  }
  closeDevTools = vi.fn();
  reload = vi.fn();
  forcefullyCrashRenderer = vi.fn();
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  readonly loadURL = vi.fn((_url: string) => Promise.resolve());
  readonly show = vi.fn();
  readonly focus = vi.fn();
  readonly restore = vi.fn();
  readonly isMinimized = vi.fn(() => false);
  constructor(readonly options: Record<string, unknown>) {
    super();
    FakeBrowserWindow.instances.push(this);
  }
}

type PermissionRequestHandler = (
  wc: unknown,
  permission: string,
  callback: (granted: boolean) => void,
  details: { isMainFrame: boolean; requestingUrl: string },
) => void;
type PermissionCheckHandler = (
  wc: unknown,
  permission: string,
  origin: string,
  details: { isMainFrame: boolean; requestingUrl?: string },
) => boolean;

export class FakeProtocol {
  readonly handlers = new Map<string, (req: Request) => Promise<Response>>();
  handle(scheme: string, handler: (req: Request) => Promise<Response>): void {
    if (this.handlers.has(scheme)) throw new Error(`second handler for ${scheme}`);
    this.handlers.set(scheme, handler);
  }
}

export class FakeSession extends EventEmitter {
  readonly protocol = new FakeProtocol();
  requestHandler: PermissionRequestHandler | null = null;
  checkHandler: PermissionCheckHandler | null = null;
  deviceHandler: (() => boolean) | null = null;
  setPermissionRequestHandler(h: PermissionRequestHandler): void {
    this.requestHandler = h;
  }
  setPermissionCheckHandler(h: PermissionCheckHandler): void {
    this.checkHandler = h;
  }
  setDevicePermissionHandler(h: () => boolean): void {
    this.deviceHandler = h;
  }
}

type InvokeHandler = (event: unknown, payload: unknown) => unknown;

export class FakeIpcMain {
  readonly handlers = new Map<string, InvokeHandler>();
  handle(channel: string, handler: InvokeHandler): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
}
