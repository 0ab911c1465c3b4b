import { Command } from 'commander';
import { Booth } from '../../booth/booth.js';
import { loadBoothConfig } from '../../booth/config.js';
import { boothReleaseCommand } from './booth-release.js';
import { boothStatusCommand } from './booth-status.js';
import { parsePort, untilSignal } from './util.js';

export function boothCommand(setExit: (code: number) => void): Command {
  return new Command('booth')
    .addCommand(boothStatusCommand(setExit))
    .addCommand(boothReleaseCommand(setExit))
    .description('run the booth services in plain Node (no Electron): capture, vault, sync and the kiosk bridge')
    .option('--config <file>', 'booth config JSON (see resources/booth.example.json)')
    .option('--data <dir>', 'booth data folder')
    .option('--server <url>', 'central server URL')
    .option('--code <code>', 'one-time enrollment code (first start only)')
    .option('--bridge-port <port>', 'port of the kiosk bridge on 127.0.0.1', parsePort)
    .action(async (o: { config?: string; data?: string; server?: string; code?: string; bridgePort?: number }) => {
      const config = loadBoothConfig(o.config, {
        dataDir: o.data,
        server: { url: o.server, enrollmentCode: o.code },
        bridge: { port: o.bridgePort },
      });
      const booth = await Booth.create(config);
      console.log(`dualrec booth "${config.name}" running (data in ${config.dataDir}, ffmpeg ${booth.ffmpeg.version} from ${booth.ffmpeg.source})`);
      if (booth.bridgeUrl) console.log(`kiosk UI: ${booth.bridgeUrl}/kiosk/index.html`);
      if (!booth.boothId) console.log('not enrolled yet: pass --code <code> from `dualrec enroll-code`');
      await untilSignal();
      await booth.close();
    });
}
