// Electron main entry (out/main/index.js): the kiosk shell around the booth services.
// `--config=<file>` selects the booth config file; `--no-autostart` keeps a packaged kiosk from
// registering itself to start at login.
// First: evaluated before the modules below (see uv-threads.ts).
import './uv-threads.js';
import { join } from 'node:path';
import { app } from 'electron';
import { createBoothHost } from './booth-host.js';
import { runKioskApp } from './kiosk-app.js';
import { startUpdater } from './updater.js';

const configPath = app.commandLine.getSwitchValue('config');

runKioskApp({
  mainDir: import.meta.dirname,
  autostart: !app.commandLine.hasSwitch('no-autostart'),
  // The updater starts first (in the one running instance): it must see a booth that never comes up.
  createHost: (updater = startUpdater()) =>
    createBoothHost({
      appRoot: app.getAppPath(),
      configPath: configPath === '' ? undefined : configPath,
      // The kiosk reaches the booth over IPC; the unauthenticated HTTP bridge stays off. Without a
      // config file the booth keeps its data in the app's per-user folder, not the working directory.
      overrides: { bridge: { enabled: false }, ...(configPath === '' ? { dataDir: join(app.getPath('userData'), 'booth') } : {}) },
    }).then(updater.attach),
});
