import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolveFfmpeg } from '../../platform/ffmpeg.js';
import { electronBinary, findChromium } from './ui.js';

export function doctorCommand(setExit: (code: number) => void): Command {
  return new Command('doctor')
    .description('report what this machine has for dualrec: Node, FFmpeg, ffprobe, browser, Electron, display')
    .action(async () => {
      let ok = true;
      const line = (good: boolean, what: string, detail: string) => {
        console.log(`${good ? 'ok  ' : 'MISS'} ${what}: ${detail}`);
      };
      line(true, 'node', process.version);
      try {
        const ff = await resolveFfmpeg(null);
        line(true, 'ffmpeg', `${ff.version} (${ff.source}) at ${ff.ffmpeg}`);
        line(ff.ffprobe !== null, 'ffprobe', ff.ffprobe ?? 'not found: the archive needs it; install the system ffmpeg');
        ok &&= ff.ffprobe !== null;
      } catch (err) {
        line(false, 'ffmpeg', (err as Error).message);
        ok = false;
      }
      const chromium = findChromium();
      line(chromium !== null, 'chromium', chromium ?? 'not found (browser-mode kiosk and e2e tests need it)');
      const electron = electronBinary();
      line(electron !== null, 'electron', electron ?? 'binary not downloaded: `npm start` falls back to Chromium');
      line(Boolean(process.env.DISPLAY), 'display', process.env.DISPLAY ?? 'none: screen capture records the camera only');
      line(existsSync(new URL('../../../out/renderer/kiosk/index.html', import.meta.url)), 'kiosk UI build', 'out/renderer (npm run build)');
      setExit(ok ? 0 : 1);
    });
}
