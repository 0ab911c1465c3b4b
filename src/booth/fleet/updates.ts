import { DualrecError } from '../../core/errors.js';
import type { UpdateState } from '../../protocol/fleet.js';
import { UPDATE_FEED_PATH, type UpdateEvent } from '../../protocol/fleet-releases.js';
import type { Logger } from '../../platform/log.js';
import type { BoothCredentials, FleetClient } from './fleet-client.js';
import type { IdleMonitor } from './idle.js';

/** Where the updater reads its feed: electron-updater's generic provider `url` and request headers (the booth token). */
export interface FeedAccess {
  url: string;
  headers: Record<string, string>;
}

/**
 * What the Electron updater (main/updater.ts) asks of the booth. The updater owns downloading and
 * installing; the booth decides when installing is safe and carries the outcome to the centre.
 */
export interface UpdatePort {
  /** The feed and its credentials; null until the booth has enrolled. */
  feed(): FeedAccess | null;
  /**
   * Resolves once no session is recording, the booth has been idle for its quiet time and the
   * last session has fully reached the server. From then on new sessions are refused (409
   * `booth.updating`) until the returned release is called (the install failed) or the process ends.
   */
  installWindow(signal?: AbortSignal): Promise<() => void>;
  /** What the booth is waiting for before an install may start, or null (now would do). */
  waitingFor(): Promise<string | null>;
  /** The updater's state, shown in the heartbeat. */
  setState(state: UpdateState): void;
  /** Sends an outcome to the server; kept and retried while the server cannot be reached. */
  event(e: UpdateEvent): Promise<void>;
}

const RECHECK_MS = 1000;

/** The session service's change events. */
export interface ChangeSource {
  on(event: 'change', listener: () => void): unknown;
  off(event: 'change', listener: () => void): unknown;
}

/** The booth's UpdatePort. */
export class BoothUpdates implements UpdatePort {
  private current: UpdateState | null = null;
  private readonly unsent: UpdateEvent[] = [];

  constructor(
    private readonly credentials: BoothCredentials,
    private readonly idle: IdleMonitor,
    /** Emits `change` when a session starts or ends, so a waiting install re-checks at once. */
    private readonly sessions: ChangeSource,
    private readonly client: FleetClient,
    private readonly log: Logger,
  ) {}

  get state(): UpdateState | null {
    return this.current;
  }

  feed(): FeedAccess | null {
    const c = this.credentials();
    return c ? { url: `${c.serverUrl.replace(/\/$/, '')}${UPDATE_FEED_PATH}`, headers: { authorization: `Bearer ${c.token}` } } : null;
  }

  async installWindow(signal?: AbortSignal): Promise<() => void> {
    for (;;) {
      signal?.throwIfAborted();
      const release = await this.idle.acquire('installing an update', true);
      if (release) return release;
      await this.nextChange(signal);
    }
  }

  /** Resolves at the next session change or after RECHECK_MS (the quiet time passes without an event); rejects on abort. */
  private nextChange(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.sessions.off('change', done);
        signal?.removeEventListener('abort', aborted);
      };
      const done = () => {
        cleanup();
        resolve();
      };
      const aborted = () => {
        cleanup();
        reject(signal?.reason);
      };
      const timer = setTimeout(done, RECHECK_MS);
      this.sessions.on('change', done);
      signal?.addEventListener('abort', aborted, { once: true });
    });
  }

  async waitingFor(): Promise<string | null> {
    return (await this.idle.read()).waitingFor;
  }

  setState(state: UpdateState): void {
    this.current = state;
  }

  async event(e: UpdateEvent): Promise<void> {
    this.unsent.push(e);
    await this.flush();
  }

  /** Delivers every unsent event; on failure they stay for the next call (each status round calls this). */
  async flush(): Promise<void> {
    if (this.unsent.length === 0) return;
    const batch = this.unsent.slice(0, 100);
    try {
      await this.client.updateEvents({ events: batch });
      this.unsent.splice(0, batch.length);
    } catch (err) {
      if (err instanceof DualrecError && err.code === 'booth.not_enrolled') return;
      this.log.warn({ err: (err as Error).message, unsent: this.unsent.length }, 'cannot report update outcome; will retry');
    }
  }
}
