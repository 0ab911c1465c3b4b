import { describe, expect, it, vi } from 'vitest';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, IPC_PREVIEW_CHANNEL } from '../../../src/protocol/booth-api.js';

// The Electron binary cannot run on the build machines, so `electron` is replaced by test doubles.
const electron = vi.hoisted(() => {
  type Listener = (event: unknown, payload: unknown) => void;
  const listeners = new Map<string, Set<Listener>>();
  return {
    exposed: new Map<string, unknown>(),
    listeners,
    contextBridge: {
      exposeInMainWorld(key: string, api: unknown) {
        electron.exposed.set(key, api);
      },
    },
    ipcRenderer: {
      invoke: vi.fn((_channel: string, _payload: unknown) => Promise.resolve('answer')),
      on(channel: string, l: Listener) {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)?.add(l);
      },
      removeListener(channel: string, l: Listener) {
        listeners.get(channel)?.delete(l);
      },
    },
  };
});
vi.mock('electron', () => ({ contextBridge: electron.contextBridge, ipcRenderer: electron.ipcRenderer }));

await import('../../../main/preload.js');

interface ExposedApi {
  call(req: unknown): Promise<unknown>;
  onEvent(cb: (event: unknown) => void): () => void;
  onPreview(cb: (jpeg: Uint8Array) => void): () => void;
}

describe('preload', () => {
  it('exposes window.dualrec with call, onEvent and onPreview only', () => {
    expect([...electron.exposed.keys()]).toEqual(['dualrec']);
    expect(Object.keys(electron.exposed.get('dualrec') as object).sort()).toEqual(['call', 'onEvent', 'onPreview']);
  });

  it('invokes the call channel', async () => {
    const api = electron.exposed.get('dualrec') as ExposedApi;
    await expect(api.call({ type: 'getState' })).resolves.toBe('answer');
    expect(electron.ipcRenderer.invoke).toHaveBeenCalledWith(IPC_CALL_CHANNEL, { type: 'getState' });
  });

  it('delivers events without the IPC event object and unsubscribes', () => {
    const api = electron.exposed.get('dualrec') as ExposedApi;
    const seen: unknown[] = [];
    const off = api.onEvent((e) => seen.push(e));
    for (const l of electron.listeners.get(IPC_EVENT_CHANNEL) ?? []) l({ sender: 'secret' }, { type: 'state' });
    expect(seen).toEqual([{ type: 'state' }]);
    off();
    expect(electron.listeners.get(IPC_EVENT_CHANNEL)?.size).toBe(0);
  });

  it('delivers preview frames as bytes only and unsubscribes', () => {
    const api = electron.exposed.get('dualrec') as ExposedApi;
    const seen: Uint8Array[] = [];
    const off = api.onPreview((j) => seen.push(j));
    for (const l of electron.listeners.get(IPC_PREVIEW_CHANNEL) ?? []) {
      l({ sender: 'secret' }, new Uint8Array([1, 2]));
      l({ sender: 'secret' }, 'not bytes');
    }
    expect(seen).toEqual([new Uint8Array([1, 2])]);
    off();
    expect(electron.listeners.get(IPC_PREVIEW_CHANNEL)?.size).toBe(0);
  });
});
