import type { SignalMethod, SignalNotification, SignalRequest, SignalResponse, SignalResponses } from './sfu-signal.js';
import type { TicketResponse } from './sfu.js';

/**
 * The signalling client shared by the booth (Node 22's WebSocket), the kiosk and the staff console
 * (the browser's): one socket, requests matched to responses by id, notifications to listeners.
 * It only uses the standard WebSocket API, so it lives beside the messages it speaks.
 */

/** The ws(s):// URL that opens the signalling socket with `t` on the server at `serverUrl`. */
export function signallingUrl(serverUrl: string | URL, t: TicketResponse): string {
  const u = new URL(t.wsPath, serverUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.searchParams.set('ticket', t.ticket);
  return u.toString();
}

/** The part of the standard WebSocket this client uses. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', fn: (ev: { data?: unknown; code?: number; reason?: string }) => void): void;
}

/** A request the server refused: `code` and `status` as the server sent them. */
export class SignalError extends Error {
  override readonly name = 'SignalError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

type RequestData<M extends SignalMethod> = Extract<SignalRequest, { method: M }>['data'];
type Listener = (n: SignalNotification) => void;

export class SignalClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  private readonly listeners = new Set<Listener>();
  private readonly closeListeners = new Set<(code: number, reason: string) => void>();
  private closedWith: { code: number; reason: string } | null = null;

  private constructor(
    private readonly socket: SocketLike,
    private readonly timeoutMs: number,
  ) {
    socket.addEventListener('message', (ev) => this.onMessage(String(ev.data)));
    socket.addEventListener('close', (ev) => this.handleClose(ev.code ?? 1006, ev.reason ?? ''));
  }

  /** Opens `url` (ws:// or wss://, with the ticket in the query) and resolves once connected. */
  static connect(url: string, opts: { timeoutMs?: number; open?: (url: string) => SocketLike } = {}): Promise<SignalClient> {
    const open = opts.open ?? ((u: string) => new (globalThis as unknown as { WebSocket: new (u: string) => SocketLike }).WebSocket(u));
    const socket = open(url);
    return new Promise((resolve, reject) => {
      socket.addEventListener('open', () => resolve(new SignalClient(socket, opts.timeoutMs ?? 15_000)));
      socket.addEventListener('close', (ev) => reject(new SignalError('sfu.socket_closed', `the signalling socket closed before it opened (${ev.code ?? 1006}${ev.reason ? `: ${ev.reason}` : ''})`, 503)));
      socket.addEventListener('error', () => reject(new SignalError('sfu.socket_error', 'the signalling socket could not connect (refused ticket or unreachable server)', 503)));
    });
  }

  request<M extends SignalMethod>(method: M, data: RequestData<M>): Promise<SignalResponses[M]> {
    if (this.closedWith) return Promise.reject(new SignalError('sfu.socket_closed', `the signalling socket is closed (${this.closedWith.code})`, 503));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SignalError('sfu.timeout', `${method} got no answer within ${this.timeoutMs} ms`, 504));
      }, this.timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.socket.send(JSON.stringify({ id, method, data }));
    });
  }

  onNotification(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Called once when the socket closes (at once if it already has). */
  onClose(fn: (code: number, reason: string) => void): void {
    if (this.closedWith) fn(this.closedWith.code, this.closedWith.reason);
    else this.closeListeners.add(fn);
  }

  private handleClose(a: number, reason: string): void {
    if (this.closedWith) return;
    this.closedWith = { code: a, reason };
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new SignalError('sfu.socket_closed', `the signalling socket closed (${a}${reason ? `: ${reason}` : ''})`, 503));
    }
    this.pending.clear();
    for (const fn of this.closeListeners) fn(a, reason);
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  close(): void {
    if (this.socket.readyState <= 1) this.socket.close(1000, 'bye');
  }

  private onMessage(text: string): void {
    let msg: SignalResponse | SignalNotification;
    try {
      msg = JSON.parse(text) as SignalResponse | SignalNotification;
    } catch {
      return;
    }
    if ('notification' in msg) {
      for (const fn of this.listeners) fn(msg);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg.data);
    else p.reject(new SignalError(msg.error.code, msg.error.message, msg.error.status));
  }
}
