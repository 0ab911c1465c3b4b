// The kiosk's only way to the booth: preload IPC inside Electron (`window.dualrec`), otherwise
// the booth's browser-mode bridge on the page's own origin. Every response and event is validated
// against src/protocol before the kiosk sees it.
import type { z } from 'zod';
import {
  BoothEvent,
  BoothState,
  BRIDGE_CALL_PATH,
  BRIDGE_CONTENT_PATH,
  BRIDGE_EVENTS_PATH,
  BRIDGE_PREVIEW_PATH,
  RemoteTicketResult,
  StartSessionResult,
  type BoothRequest,
  type BoothRequestType,
  type BoothResponses,
} from '../../src/protocol/booth-api.js';
import { BoothCatalogueView, CatalogueEntry } from '../../src/protocol/catalogue.js';
import { BoothCustomer } from '../../src/protocol/customers.js';
import { ChecksSnapshot, ChecksView } from '../../src/protocol/checks.js';
import { ErrorBody } from '../../src/protocol/errors.js';
import { CONTENT_SCHEME, disclosurePath, KioskView } from '../../src/protocol/kiosk-flow.js';

export type RequestOf<T extends BoothRequestType> = Extract<BoothRequest, { type: T }>;

export interface BoothApi {
  call<T extends BoothRequestType>(req: RequestOf<T>): Promise<BoothResponses[T]>;
  /** Subscribes to booth events; returns a function that unsubscribes. */
  onEvent(cb: (event: BoothEvent) => void): () => void;
  /** Subscribes to the link state (true while events can arrive); `cb` runs at once with the current state. */
  onLink(cb: (up: boolean) => void): () => void;
  /** Subscribes to the live camera preview: `cb` gets an image source (URL) to show, again per frame where frames come one by one. */
  onPreview(cb: (src: string) => void): () => void;
}

/** A failed booth call; `code` is the booth's error code when it sent one. */
export class BoothApiError extends Error {
  override readonly name = 'BoothApiError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The raw channel to the booth; `BoothApi` adds validation on top. */
export interface Transport {
  send(req: BoothRequest): Promise<unknown>;
  subscribe(cb: (raw: unknown) => void): () => void;
  onLink(cb: (up: boolean) => void): () => void;
  onPreview(cb: (src: string) => void): () => void;
}

const responseSchemas: { [T in BoothRequestType]: z.ZodType<BoothResponses[T]> } = {
  getState: BoothState,
  startSession: StartSessionResult,
  stopSession: StartSessionResult,
  getCatalogue: BoothCatalogueView,
  getProduct: CatalogueEntry,
  lookupCustomer: BoothCustomer,
  startChecks: ChecksView,
  verifyFace: ChecksView,
  disclosureEnded: ChecksView,
  getChecks: ChecksSnapshot,
  remoteTicket: RemoteTicketResult,
  flow: KioskView,
};

function ipcTransport(dualrec: DualrecApi): Transport {
  // Electron prefixes rejections with "Error invoking remote method '<channel>': <Name>: ".
  const prefix = /^Error invoking remote method '[^']*': (?:\w*Error: )?/;
  return {
    send: (req) =>
      dualrec.call(req).catch((err: unknown) => {
        throw new BoothApiError('ipc.error', errorText(err).replace(prefix, ''));
      }),
    subscribe: (cb) => dualrec.onEvent(cb),
    // Frames arrive one by one over IPC: each becomes an object URL, the previous one is released.
    onPreview(cb) {
      let last: string | null = null;
      const stop = dualrec.onPreview((jpeg) => {
        const url = URL.createObjectURL(new Blob([jpeg as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }));
        cb(url);
        if (last !== null) URL.revokeObjectURL(last);
        last = url;
      });
      return () => {
        stop();
        if (last !== null) URL.revokeObjectURL(last);
      };
    },
    onLink(cb) {
      cb(true);
      return () => undefined;
    },
  };
}

/** The response body as JSON, or undefined when it is not JSON. */
async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function postCall(origin: string, req: BoothRequest): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(new URL(BRIDGE_CALL_PATH, origin), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(req),
    });
  } catch (err) {
    throw new BoothApiError('bridge.unreachable', `cannot reach the booth: ${errorText(err)}`);
  }
  const body = await readJson(res);
  if (res.ok) return body;
  const parsed = ErrorBody.safeParse(body);
  if (parsed.success) throw new BoothApiError(parsed.data.error.code, parsed.data.error.message);
  throw new BoothApiError(`http.${res.status}`, `the booth answered HTTP ${res.status}`);
}

/**
 * Bridge transport. One WebSocket, open while anyone listens; it reconnects with capped
 * exponential backoff and jitter, and the bridge re-sends the full state on every connect.
 */
function bridgeTransport(origin: string): Transport {
  const eventListeners = new Set<(raw: unknown) => void>();
  const linkListeners = new Set<(up: boolean) => void>();
  let socket: WebSocket | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let retryMs = 500;
  let up = false;

  const setUp = (next: boolean): void => {
    if (next === up) return;
    up = next;
    for (const cb of linkListeners) cb(up);
  };
  const wanted = (): boolean => eventListeners.size + linkListeners.size > 0;

  const connect = (): void => {
    const url = new URL(BRIDGE_EVENTS_PATH, origin);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      retryMs = 500;
      setUp(true);
    };
    ws.onmessage = (msg: MessageEvent<unknown>) => {
      if (typeof msg.data !== 'string') return;
      let raw: unknown;
      try {
        raw = JSON.parse(msg.data);
      } catch {
        raw = msg.data; // not JSON: handed on so that validation reports it
      }
      for (const cb of eventListeners) cb(raw);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      setUp(false);
      if (!wanted()) return;
      const delay = retryMs * (0.75 + Math.random() * 0.5);
      retryMs = Math.min(retryMs * 2, 5000);
      retryTimer = setTimeout(() => {
        retryTimer = null;
        connect();
      }, delay);
    };
  };
  const ensure = (): void => {
    if (socket === null && retryTimer === null) connect();
  };
  const release = (): void => {
    if (wanted()) return;
    if (retryTimer !== null) clearTimeout(retryTimer);
    retryTimer = null;
    const ws = socket;
    socket = null;
    ws?.close();
    up = false;
  };

  return {
    // The bridge serves the preview as one multipart image stream: a single URL for an <img>.
    onPreview(cb) {
      cb(new URL(BRIDGE_PREVIEW_PATH, origin).href);
      return () => undefined;
    },
    send: (req) => postCall(origin, req),
    subscribe(cb) {
      eventListeners.add(cb);
      ensure();
      return () => {
        eventListeners.delete(cb);
        release();
      };
    },
    onLink(cb) {
      linkListeners.add(cb);
      cb(up);
      ensure();
      return () => {
        linkListeners.delete(cb);
        release();
      };
    },
  };
}

function describe(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  return issues.map((i) => (i.path.length > 0 ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Builds the API over a transport; invalid responses reject, invalid events are reported and dropped. */
export function createBoothApiOver(transport: Transport): BoothApi {
  return {
    async call<T extends BoothRequestType>(req: RequestOf<T>): Promise<BoothResponses[T]> {
      const raw = await transport.send(req);
      const schema: z.ZodType<BoothResponses[T]> = responseSchemas[req.type];
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        throw new BoothApiError('booth.bad_response', `the booth sent an invalid ${req.type} response: ${describe(parsed.error.issues)}`);
      }
      return parsed.data;
    },
    onEvent(cb) {
      return transport.subscribe((raw) => {
        const parsed = BoothEvent.safeParse(raw);
        if (parsed.success) cb(parsed.data);
        else console.error(`dualrec: dropped an invalid booth event: ${describe(parsed.error.issues)}`);
      });
    },
    onLink: (cb) => transport.onLink(cb),
    onPreview: (cb) => transport.onPreview(cb),
  };
}

/** The booth API for this page: preload IPC inside Electron, the same-origin bridge in a browser. */
export function createBoothApi(): BoothApi {
  const transport = window.dualrec !== undefined ? ipcTransport(window.dualrec) : bridgeTransport(window.location.origin);
  return createBoothApiOver(transport);
}

/**
 * Where the kiosk plays a product's disclosure video: Electron main serves it on the privileged
 * content scheme; in a browser the bridge serves it on the page's own origin.
 */
export function disclosureUrl(productId: string): string {
  if (window.dualrec !== undefined) return `${CONTENT_SCHEME}://disclosure/${encodeURIComponent(productId)}`;
  return new URL(disclosurePath(productId), window.location.origin).href;
}

/** Where the kiosk plays a verified file of the booth's cached catalogue, named by its SHA-256. */
export function catalogueContentUrl(sha256: string): string {
  if (window.dualrec !== undefined) return `${CONTENT_SCHEME}://catalogue/${sha256}`;
  return new URL(`${BRIDGE_CONTENT_PATH}/${sha256}`, window.location.origin).href;
}
