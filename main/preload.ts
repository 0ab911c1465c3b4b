// Sandboxed preload (built as CommonJS): exposes exactly `window.dualrec` and nothing else.
// Results and events are `unknown` here: the kiosk's api module validates them.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { BoothRequest } from '../src/protocol/booth-api.js';
import { IPC_CALL_CHANNEL as CALL_CHANNEL, IPC_EVENT_CHANNEL as EVENT_CHANNEL, IPC_PREVIEW_CHANNEL as PREVIEW_CHANNEL } from '../src/protocol/ipc-channels.js';

const api = {
  call(req: BoothRequest): Promise<unknown> {
    return ipcRenderer.invoke(CALL_CHANNEL, req) as Promise<unknown>;
  },
  /** Subscribes to booth events; returns a function that unsubscribes. */
  onEvent(cb: (event: unknown) => void): () => void {
    const listener = (_e: IpcRendererEvent, event: unknown): void => {
      cb(event);
    };
    ipcRenderer.on(EVENT_CHANNEL, listener);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, listener);
    };
  },
  /** Subscribes to camera preview JPEGs; returns a function that unsubscribes. */
  onPreview(cb: (jpeg: Uint8Array) => void): () => void {
    const listener = (_e: IpcRendererEvent, jpeg: unknown): void => {
      if (jpeg instanceof Uint8Array) cb(jpeg);
    };
    ipcRenderer.on(PREVIEW_CHANNEL, listener);
    return () => {
      ipcRenderer.removeListener(PREVIEW_CHANNEL, listener);
    };
  },
};

contextBridge.exposeInMainWorld('dualrec', api);
