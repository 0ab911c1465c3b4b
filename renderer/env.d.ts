/// <reference types="vite/client" />

/**
 * The preload API (main/preload.ts), present only inside Electron. Results and events are
 * `unknown` until renderer/kiosk/api.ts has validated them.
 */
interface DualrecApi {
  call(req: import('../src/protocol/booth-api.js').BoothRequest): Promise<unknown>;
  /** Subscribes to booth events; returns a function that unsubscribes. */
  onEvent(cb: (event: unknown) => void): () => void;
  /** Subscribes to camera preview JPEGs; returns a function that unsubscribes. */
  onPreview(cb: (jpeg: Uint8Array) => void): () => void;
}

interface Window {
  readonly dualrec?: DualrecApi;
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent;
  export default component;
}
