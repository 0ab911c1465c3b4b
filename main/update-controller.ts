import type { AppUpdater } from 'electron-updater';
import type { Logger } from '../src/platform/log.js';
import type { UpdatePhase } from '../src/protocol/fleet.js';
import { APP_VERSION_HEADER, type UpdateOutcome } from '../src/protocol/fleet-releases.js';
import type { FeedAccess, UpdatePort } from '../src/booth/fleet/updates.js';
import type { StartMarker } from './start-marker.js';

export interface UpdateControllerOptions {
  /** electron-updater's updater (autoUpdater in the app; an AppImageUpdater with a Node adapter in tests). */
  updater: AppUpdater;
  /** The booth (or, when the booth cannot start, a stand-in that reports straight to the server). */
  port: UpdatePort;
  feed: FeedAccess;
  marker: StartMarker;
  appVersion: string;
  log: Logger;
  /** How long an install that has not quit the app is given to report an error (default 10 s). */
  installErrorWaitMs?: number;
}

/** electron-updater's "nothing here" answers: the feed offers this booth no release (404 `update.none`). */
function nothingOffered(err: unknown): boolean {
  const e = err as { code?: string; statusCode?: number; message?: string };
  return e.statusCode === 404 || e.code === 'ERR_UPDATER_CHANNEL_FILE_NOT_FOUND' || /\b404\b/.test(e.message ?? '');
}

/**
 * Runs electron-updater against the central server's feed for one booth:
 * - the feed URL and the booth's bearer token (plus its app version, for the server's per-booth
 *   view of the feed) go in as the generic provider's `url` and request headers;
 * - a check downloads what the feed offers at once (the server paces the download to the booth's
 *   update bandwidth cap); electron-updater verifies the file's SHA-512 against latest.yml before
 *   it counts as downloaded, so a damaged or altered file is never installed;
 * - `allowDowngrade` is on: the server decides which version each booth runs, and offers an
 *   older one only when the booth's version was rolled back or failed to start on it;
 * - installing waits for the booth's install window (no session, idle, last session synced), then
 *   writes the start marker and calls quitAndInstall; never on quit (`autoInstallOnAppQuit` off);
 * - every step is shown in the heartbeat and each outcome sent to the server.
 */
export class UpdateController {
  private running: Promise<void> | null = null;
  private readonly abort = new AbortController();

  constructor(private readonly o: UpdateControllerOptions) {
    const u = o.updater;
    u.autoDownload = false;
    u.autoInstallOnAppQuit = false;
    u.allowDowngrade = true;
    // The feed serves whole files (no blockmaps): a differential attempt would only fail first.
    u.disableDifferentialDownload = true;
    u.setFeedURL({ provider: 'generic', url: o.feed.url, useMultipleRangeRequest: false });
    u.requestHeaders = { ...o.feed.headers, [APP_VERSION_HEADER]: o.appVersion };
  }

  /** One check, download and (when safe) install; a call while one runs shares it. */
  check(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Stops waiting for an install window (app quitting). */
  close(): void {
    this.abort.abort(new Error('the updater is closing'));
  }

  private async run(): Promise<void> {
    const u = this.o.updater;
    this.state('checking', null, null);
    let result: Awaited<ReturnType<AppUpdater['checkForUpdates']>>;
    try {
      result = await u.checkForUpdates();
    } catch (err) {
      if (nothingOffered(err)) return this.state('idle', null, 'no release is offered to this booth');
      return this.state('failed', null, `update check failed: ${(err as Error).message}`);
    }
    if (result === null) return this.state('idle', null, 'the updater is inactive (not a packaged app)');
    if (!result.isUpdateAvailable) return this.state('idle', null, `up to date (${this.o.appVersion})`);
    const version = result.updateInfo.version;
    this.state('downloading', version, null);
    try {
      await u.downloadUpdate();
    } catch (err) {
      const code = (err as { code?: string }).code;
      const msg = code === 'ERR_CHECKSUM_MISMATCH' ? `sha512 verification failed: ${(err as Error).message}` : (err as Error).message;
      this.state('failed', version, msg);
      return this.event(version, 'download-failed', msg);
    }
    await this.event(version, 'downloaded', null);
    await this.installWhenSafe(version);
  }

  private async installWhenSafe(version: string): Promise<void> {
    this.state('waiting-idle', version, await this.o.port.waitingFor());
    let release: () => void;
    try {
      release = await this.o.port.installWindow(this.abort.signal);
    } catch (err) {
      if (this.abort.signal.aborted) return;
      throw err;
    }
    this.state('installing', version, null);
    await this.event(version, 'installing', null);
    await this.o.marker.beforeInstall(this.o.appVersion, version, this.o.feed);
    const failed = new Promise<Error>((resolve) => this.o.updater.once('error', (e: Error) => resolve(e)));
    this.o.log.info({ from: this.o.appVersion, to: version }, 'installing update');
    this.o.updater.quitAndInstall(true, true);
    // On success the app quits; an installer that cannot start reports through 'error' at once.
    const err = await Promise.race([failed, new Promise<null>((r) => setTimeout(() => r(null), this.o.installErrorWaitMs ?? 10_000).unref())]);
    if (err) {
      release();
      await this.o.marker.clear();
      this.state('failed', version, `install failed: ${err.message}`);
      await this.event(version, 'install-failed', err.message);
    }
  }

  private state(phase: UpdatePhase, version: string | null, message: string | null): void {
    this.o.log.info({ phase, version, message }, 'updater');
    this.o.port.setState({ phase, version, message: message?.slice(0, 2000) ?? null, at: new Date().toISOString() });
  }

  private event(version: string, outcome: UpdateOutcome, message: string | null): Promise<void> {
    return this.o.port.event({ version, outcome, message: message?.slice(0, 2000) ?? null, at: new Date().toISOString() });
  }
}
