import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { Booth } from '../../booth/booth.js';
import { parseBoothConfig } from '../../booth/config.js';
import { hashStaffPin } from '../../booth/kiosk/staff-gate.js';
import { parseServerConfig } from '../../server/config.js';
import { Server } from '../../server/server.js';
import { writeFileDurableSync } from '../../platform/fs.js';
import { seedDemoCatalogue } from './catalogue.js';
import { electronBinary, findChromium } from './ui.js';
import { parsePort, untilSignal } from './util.js';

/**
 * Server + booth kiosk on one machine. With the Electron binary, the kiosk runs in Electron (which
 * hosts the booth services itself); without it, the booth runs here and the same kiosk UI opens in
 * Chromium as an app window against the browser-mode bridge.
 */
export function startCommand(): Command {
  return new Command('start')
    .description('run the server and a booth kiosk on this machine (Electron if installed, else Chromium)')
    .option('--data <dir>', 'data folder (server in it, booth in <dir>/booth)', './data')
    .option('--port <port>', 'server port', parsePort, 8080)
    .option('--bridge-port <port>', 'kiosk bridge port', parsePort, 8090)
    .option('--no-window', 'do not open a kiosk window; print its URL')
    .action(async (o: { data: string; port: number; bridgePort: number; window: boolean }) => {
      const dataDir = resolve(o.data);
      const server = await Server.create(parseServerConfig({ dataDir, port: o.port }));
      const url = await server.listen();
      console.log(`server: ${url} (data in ${dataDir})`);
      const seeded = await seedDemoCatalogue(server.catalogue, server.ffmpeg, dataDir);
      if (seeded) console.log(`catalogue: empty, so the demo product ${seeded.map((r) => `${r.productId}@${r.version}`).join(', ')} was imported (dualrec catalogue import <dir> adds real ones)`);
      const boothDir = join(dataDir, 'booth');
      const { code } = await server.ingest.createEnrollmentCode(1);
      // A staff member for this demo booth, with a fresh PIN each start (staff confirm the checks by hand
      // until check engines are attached, and unlock the staff controls).
      const pin = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const kiosk = { staff: [{ staffId: 'demo-staff', name: 'Demo staff', pinHash: hashStaffPin(pin) }] };
      const boothConfig = { name: 'booth-1', dataDir: boothDir, server: { url, enrollmentCode: code }, bridge: { port: o.bridgePort }, kiosk };
      console.log(`staff PIN for this demo booth: ${pin} (demo customer: ID number 11010519491231002X or teller code T0001)`);
      let child: ChildProcess | null = null;
      let booth: Booth | null = null;
      const electron = o.window ? electronBinary() : null;
      if (electron) {
        const cfgPath = join(boothDir, 'config.json');
        writeFileDurableSync(cfgPath, Buffer.from(JSON.stringify(boothConfig, null, 2)));
        console.log(`kiosk: Electron ${electron}`);
        child = spawn(electron, [resolve(import.meta.dirname, '../../..'), `--config=${cfgPath}`], { stdio: 'inherit' });
      } else {
        booth = await Booth.create(parseBoothConfig(boothConfig));
        const kioskUrl = `${booth.bridgeUrl}/kiosk/index.html`;
        const chromium = findChromium();
        if (!o.window) {
          console.log(`kiosk: ${kioskUrl}`);
        } else if (!process.env.DISPLAY && process.platform === 'linux') {
          console.log(`notice: no display (DISPLAY is empty), so no kiosk window opens. Open ${kioskUrl} in a browser.`);
        } else if (!chromium) {
          console.log(`notice: neither the Electron binary nor Chromium is installed. Open ${kioskUrl} in a browser.`);
        } else {
          console.log('notice: the Electron binary is not installed (npm downloads it on first use, which failed or was skipped),');
          console.log(`        so the same kiosk UI opens in Chromium as an app window against the browser-mode bridge: ${kioskUrl}`);
          const profile = mkdtempSync(join(tmpdir(), 'dualrec-kiosk-'));
          child = spawn(
            chromium,
            [`--app=${kioskUrl}`, `--user-data-dir=${profile}`, '--no-first-run', '--disable-background-networking', '--disable-sync', '--window-size=1280,800', '--autoplay-policy=no-user-gesture-required'],
            { stdio: 'ignore' },
          );
        }
      }
      const exited = child ? new Promise<void>((r) => child!.once('exit', () => r())) : new Promise<void>(() => undefined);
      await Promise.race([untilSignal(), exited]);
      child?.kill('SIGTERM');
      await booth?.close();
      await server.close();
    });
}
