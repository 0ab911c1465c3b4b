import type { Logger } from '../src/platform/log.js';
import { UPDATE_FEED_PATH, type UpdateEvent } from '../src/protocol/fleet-releases.js';
import { API_PREFIX } from '../src/protocol/server-api.js';
import type { UpdateState } from '../src/protocol/fleet.js';
import type { FeedAccess, UpdatePort } from '../src/booth/fleet/updates.js';

const ATTEMPTS = 5;

/**
 * The update port when the booth services are not running (a new version that failed to start):
 * outcomes go straight to the server with the credentials kept in the start marker, and the
 * install window comes from the booth if it did come up after all, else at once (nothing records).
 */
export class DirectUpdatePort implements UpdatePort {
  private booth: UpdatePort | null = null;

  constructor(
    private readonly access: FeedAccess,
    private readonly log: Logger,
  ) {}

  /** The booth came up after all: gate installs on it and show state in its heartbeat. */
  useBooth(port: UpdatePort): void {
    this.booth = port;
  }

  feed(): FeedAccess {
    return this.access;
  }

  installWindow(signal?: AbortSignal): Promise<() => void> {
    return this.booth ? this.booth.installWindow(signal) : Promise.resolve(() => undefined);
  }

  async waitingFor(): Promise<string | null> {
    return this.booth ? this.booth.waitingFor() : null;
  }

  setState(state: UpdateState): void {
    this.booth?.setState(state);
  }

  /** Posts the event, retrying with backoff; gives up (logged) after a few attempts. */
  async event(e: UpdateEvent): Promise<void> {
    const url = `${this.access.url.slice(0, -UPDATE_FEED_PATH.length)}${API_PREFIX}/booth/update-events`;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(url, { method: 'POST', headers: { ...this.access.headers, 'content-type': 'application/json' }, body: JSON.stringify({ events: [e] }), signal: AbortSignal.timeout(15_000) });
        if (res.ok) return;
        throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
      } catch (err) {
        if (attempt >= ATTEMPTS) {
          this.log.error({ err: (err as Error).message, event: e }, 'cannot report the update outcome to the server');
          return;
        }
        await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
      }
    }
  }
}
