import { app } from 'electron';
import electronUpdater, { type AppUpdater } from 'electron-updater';
import { createLogger, type Logger } from '../src/platform/log.js';
import type { UpdatePort } from '../src/booth/fleet/updates.js';
import type { BoothHost } from './booth-host-types.js';
import { DirectUpdatePort } from './direct-port.js';
import { StartMarker, type BootDecision } from './start-marker.js';
import { UpdateController } from './update-controller.js';

export interface UpdaterOptions {
  /** How often the feed is checked (default 30 min; also once right after start). */
  checkEveryMs?: number;
  /** A new version must show a healthy booth within this long, or it counts as a failed start (default 3 min). */
  confirmWithinMs?: number;
  log?: Logger;
  /** Test seams: electron-updater's updater, the user-data folder and the app version. */
  updater?: AppUpdater;
  userDataDir?: string;
  appVersion?: string;
}

export interface UpdaterHandle {
  /** Hands the updater the booth once it is up (returns it, for `.then(updater.attach)`). */
  attach(host: BoothHost): BoothHost;
  close(): void;
}

/**
 * The booth's auto-updater (hook in main/index.ts). At start it reads the start marker: a trial
 * start of a new version is confirmed once the booth answers (`installed`), or, if it does not
 * within `confirmWithinMs` or keeps crashing, reported as `start-failed` and replaced by the
 * release the server offers instead (the one before; see src/server/fleet/update-feed.ts). Then
 * it checks the feed every `checkEveryMs` through UpdateController.
 */
export function startUpdater(opts: UpdaterOptions = {}): UpdaterHandle {
  const log = opts.log ?? createLogger('updater');
  const updater = opts.updater ?? electronUpdater.autoUpdater;
  updater.logger = { info: (m: unknown) => log.debug({ m }, 'electron-updater'), warn: (m: unknown) => log.warn({ m }, 'electron-updater'), error: (m: unknown) => log.error({ m }, 'electron-updater') };
  const appVersion = opts.appVersion ?? app.getVersion();
  const marker = new StartMarker(opts.userDataDir ?? app.getPath('userData'));
  const checkEveryMs = opts.checkEveryMs ?? 30 * 60_000;
  const timers = new Set<NodeJS.Timeout>();
  let controller: UpdateController | null = null;
  let rescue: DirectUpdatePort | null = null;

  const run = (port: UpdatePort, feed: NonNullable<ReturnType<UpdatePort['feed']>>) => {
    controller = new UpdateController({ updater, port, feed, marker, appVersion, log });
    const c = controller;
    const tick = () => c.check().catch((err: unknown) => log.error({ err }, 'update check failed'));
    const t = setInterval(tick, checkEveryMs);
    t.unref();
    timers.add(t);
    void tick();
  };

  const fallBack = (d: Extract<BootDecision, { kind: 'verify' | 'fallback' }>, reason: string) => {
    if (rescue) return;
    log.error({ version: d.version, reason }, 'the new version failed to start; going back');
    rescue = new DirectUpdatePort(d.feed, log);
    const r = rescue;
    void r.event({ version: d.version, outcome: 'start-failed', message: reason, at: new Date().toISOString() }).then(() => run(r, d.feed));
  };

  const decision = marker.onBoot(appVersion).then((d) => {
    if (d.kind === 'install-failed') void new DirectUpdatePort(d.feed, log).event({ version: d.version, outcome: 'install-failed', message: `the app still runs ${appVersion} after installing ${d.version}`, at: new Date().toISOString() });
    if (d.kind === 'fallback') fallBack(d, d.reason);
    if (d.kind === 'verify') {
      const t = setTimeout(() => fallBack(d, `the booth did not come up within ${Math.round((opts.confirmWithinMs ?? 180_000) / 1000)} s`), opts.confirmWithinMs ?? 180_000);
      t.unref();
      timers.add(t);
    }
    return d;
  });

  const attached = async (host: BoothHost) => {
    const port = host.updates;
    if (!port) return log.warn('the booth offers no update port; automatic updates are off');
    const d = await decision;
    if (d.kind === 'verify' && !rescue) {
      await host.call({ type: 'getState' });
      for (const t of timers) clearTimeout(t);
      await marker.clear();
      await port.event({ version: d.version, outcome: 'installed', message: `${d.from} -> ${d.version}`, at: new Date().toISOString() });
    }
    if (rescue) return (rescue as DirectUpdatePort).useBooth(port);
    // Before enrollment there is no feed access yet: wait for it.
    for (let feed = port.feed(); ; feed = port.feed()) {
      if (feed) return run(port, feed);
      await new Promise((r) => setTimeout(r, 10_000).unref());
    }
  };

  return {
    attach(host) {
      attached(host).catch((err: unknown) => log.error({ err }, 'the updater could not start'));
      return host;
    },
    close() {
      for (const t of timers) clearTimeout(t);
      (controller as UpdateController | null)?.close();
    },
  };
}
