import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { BoothHost } from '../../../main/booth-host-types.js';
import { registerBoothIpc } from '../../../main/ipc.js';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, IPC_PREVIEW_CHANNEL, type BoothEvent, type BoothRequest, type BoothState } from '../../../src/protocol/booth-api.js';
import { FakeWebContents, type FakeIpcMain } from './fake-electron.js';

// The Electron binary cannot run on the build machines, so `electron` is replaced by test doubles.
vi.mock('electron', async () => {
  const fake = await import('./fake-electron.js');
  return { ipcMain: new fake.FakeIpcMain() };
});
const { ipcMain } = (await import('electron')) as unknown as { ipcMain: FakeIpcMain };

const KIOSK_URL = 'file:///opt/dualrec/out/renderer/kiosk/index.html';

const STATE: BoothState = {
  boothName: 'booth-1',
  boothId: null,
  captureSource: 'fake',
  session: null,
  sync: { online: true, pendingSegments: 0, pendingBytes: 0, lastError: null },
  faults: [],
};

class FakeHost implements BoothHost {
  readonly calls: BoothRequest[] = [];
  readonly listeners = new Set<(e: BoothEvent) => void>();
  call(req: BoothRequest): Promise<unknown> {
    this.calls.push(req);
    return Promise.resolve(req.type === 'getState' ? STATE : { sessionId: '6f1c7c0e-8d1f-4a57-9a55-7a1f4f0f2b11' });
  }
  onEvent(cb: (e: BoothEvent) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
  emit(e: BoothEvent): void {
    for (const cb of this.listeners) cb(e);
  }
  readonly previewListeners = new Set<(j: Buffer) => void>();
  onPreview(cb: (j: Buffer) => void): () => void {
    this.previewListeners.add(cb);
    return () => this.previewListeners.delete(cb);
  }
  disclosureFile(): Promise<string> {
    return Promise.resolve('/content/demo.webm');
  }
  catalogueFile(): Promise<string> {
    return Promise.resolve('/catalogue/blobs/x');
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function setup() {
  const host = new FakeHost();
  const wc = new FakeWebContents();
  let target: FakeWebContents | null = wc;
  const dispose = registerBoothIpc({ host, kioskUrl: KIOSK_URL, target: () => target as never });
  const handler = ipcMain.handlers.get(IPC_CALL_CHANNEL);
  if (handler === undefined) throw new Error('no IPC handler registered');
  const invoke = (payload: unknown, url: string | null = KIOSK_URL) =>
    Promise.resolve(handler({ senderFrame: url === null ? null : { url } }, payload));
  return { host, wc, dispose, invoke, dropTarget: () => (target = null) };
}

beforeEach(() => {
  ipcMain.handlers.clear();
});

describe('booth IPC', () => {
  it('forwards valid requests to the booth and returns its answer', async () => {
    const { host, invoke } = setup();
    await expect(invoke({ type: 'getState' })).resolves.toEqual(STATE);
    await expect(invoke({ type: 'startSession', productId: 'demo-fund-001' })).resolves.toEqual({
      sessionId: '6f1c7c0e-8d1f-4a57-9a55-7a1f4f0f2b11',
    });
    await invoke({ type: 'stopSession' });
    expect(host.calls).toEqual([{ type: 'getState' }, { type: 'startSession', productId: 'demo-fund-001' }, { type: 'stopSession' }]);
  });

  it.each([
    ['a missing product id', { type: 'startSession' }, /productId/],
    ['a malformed product id', { type: 'startSession', productId: 'no spaces allowed' }, /productId: product id must be/],
    ['an unknown request type', { type: 'formatDisk' }, /type/],
    ['a malformed staff PIN in a flow action', { type: 'flow', action: { type: 'staffUnlock', pin: '12' } }, /action.pin: a staff PIN is 4-12 digits/],
    ['an unknown flow action', { type: 'flow', action: { type: 'passFaceCheck' } }, /action.type/],
    ['a flow action with an extra field', { type: 'flow', action: { type: 'confirmSummary', signedBy: 'x' } }, /signedBy/],
    ['an unexpected field', { type: 'getState', extra: 1 }, /extra/],
    ['a non-object', 'getState', /invalid booth request/],
    ['nothing', undefined, /invalid booth request/],
  ])('rejects %s with an error naming the field, without calling the booth', async (_name, payload, message) => {
    const { host, invoke } = setup();
    const err = await invoke(payload).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('ValidationError');
    expect((err as Error).message).toMatch(/^invalid booth request: /);
    expect((err as Error).message).toMatch(message);
    expect(host.calls).toEqual([]);
  });

  it.each([
    ['another page', 'https://evil.example/'],
    ['another local file', 'file:///tmp/evil.html'],
    ['the bridge-served kiosk', 'http://127.0.0.1:8090/kiosk/index.html'],
    ['a frame that is gone', null],
  ])('refuses calls from %s', async (_name, url) => {
    const { host, invoke } = setup();
    await expect(invoke({ type: 'getState' }, url)).rejects.toMatchObject({ name: 'ForbiddenError' });
    expect(host.calls).toEqual([]);
  });

  it('forwards booth events to the kiosk window while it exists', () => {
    const { host, wc, dropTarget } = setup();
    const event: BoothEvent = { type: 'state', state: STATE };
    host.emit(event);
    expect(wc.sent).toEqual([[IPC_EVENT_CHANNEL, event]]);
    wc.destroyed = true;
    host.emit(event);
    dropTarget();
    host.emit(event);
    expect(wc.sent).toHaveLength(1);
  });

  it('forwards camera preview frames to the kiosk window as bytes', () => {
    const { host, wc } = setup();
    for (const cb of host.previewListeners) cb(Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    expect(wc.sent).toEqual([[IPC_PREVIEW_CHANNEL, new Uint8Array([0xff, 0xd8, 0xff, 0xd9])]]);
  });

  it('undoes the handler and the event forwarding when disposed', () => {
    const { host, dispose } = setup();
    dispose();
    expect(ipcMain.handlers.has(IPC_CALL_CHANNEL)).toBe(false);
    expect(host.listeners.size).toBe(0);
    expect(host.previewListeners.size).toBe(0);
  });
});
