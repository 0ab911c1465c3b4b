import { Command } from 'commander';
import { join, resolve } from 'node:path';
import { Booth } from '../../booth/booth.js';
import { parseBoothConfig } from '../../booth/config.js';
import { createLogger } from '../../platform/log.js';
import { verifyArchivedSession } from '../../server/archive/verify.js';
import { parseServerConfig } from '../../server/config.js';
import { Server } from '../../server/server.js';
import { seedDemoCatalogue } from './catalogue.js';
import { printReport } from './verify.js';

export interface DemoOptions {
  data: string;
  seconds: number;
  timeout: number;
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * One scripted session end to end: a server and a booth with fake devices (and the X screen when
 * DISPLAY is set), record, stop, sync, archive, verify. Resolves to the exit code.
 */
export async function runDemo(o: DemoOptions): Promise<number> {
  const runDir = resolve(o.data, stamp());
  const level = process.env.DUALREC_LOG_LEVEL ?? 'warn';
  const server = await Server.create(parseServerConfig({ dataDir: join(runDir, 'server'), port: 0, jobPollMs: 200 }), { log: createLogger('server', level) });
  let booth: Booth | null = null;
  try {
    const url = await server.listen();
    await seedDemoCatalogue(server.catalogue, server.ffmpeg, join(runDir, 'server'));
    const { code } = await server.ingest.createEnrollmentCode(1);
    booth = await Booth.create(
      parseBoothConfig({ name: 'demo-booth', dataDir: join(runDir, 'booth'), server: { url, enrollmentCode: code }, bridge: { enabled: false }, sync: { pollMs: 250 } }),
      { log: createLogger('booth', level) },
    );
    console.log(`demo: server ${url}, data in ${runDir}`);
    console.log(`demo: booth enrolled as ${booth.boothId}; ffmpeg ${booth.ffmpeg.version} (${booth.ffmpeg.source}); capture ${process.env.DISPLAY ? `test pattern + tone + screen ${process.env.DISPLAY}` : 'test pattern + tone (no DISPLAY: no screen)'}`);
    const { sessionId } = (await booth.handle({ type: 'startSession', productId: 'demo-fund-001' })) as { sessionId: string };
    console.log(`demo: session ${sessionId} recording for ${o.seconds} s`);
    const started = Date.now();
    while (Date.now() - started < o.seconds * 1000) {
      await sleep(Math.min(2000, o.seconds * 1000 - (Date.now() - started)));
      const s = (await booth.state()).session;
      console.log(`  ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s  media ${s?.mediaSec.toFixed(1) ?? 0} s  sealed ${s?.segmentsSealed ?? 0}  acknowledged ${s?.segmentsAcknowledged ?? 0}`);
    }
    await booth.handle({ type: 'stopSession' });
    console.log('demo: stopped; waiting for sync and archive');
    const deadline = Date.now() + o.timeout * 1000;
    let phase = '';
    for (;;) {
      const s = (await booth.state()).session;
      if (s && s.phase !== phase) {
        phase = s.phase;
        console.log(`  phase ${phase}: sealed ${s.segmentsSealed}, acknowledged ${s.segmentsAcknowledged}${s.error ? `, ${s.error}` : ''}`);
      }
      if (phase === 'archived' || phase === 'failed') break;
      if (Date.now() > deadline) {
        console.error(`demo: the session did not reach the archive within ${o.timeout} s (phase ${phase})`);
        return 1;
      }
      await sleep(250);
    }
    if (phase === 'failed') {
      console.error('demo: the session failed');
      return 1;
    }
    const report = await verifyArchivedSession(server.archive, server.ffmpeg, sessionId);
    printReport(report);
    console.log(`demo: final recording: ${report.recording.path}`);
    console.log(`demo: re-check any time with: dualrec verify ${sessionId} --data ${join(runDir, 'server')}`);
    return report.ok ? 0 : 1;
  } finally {
    await booth?.close();
    await server.close();
  }
}

export function demoCommand(setExit: (code: number) => void): Command {
  return new Command('demo')
    .description('start a server and a booth, record one scripted session with fake devices, archive and verify it')
    .option('--data <dir>', 'folder for demo runs (each run gets a subfolder)', './data/demo')
    .option('--seconds <n>', 'length of the recording', (v) => Number(v), 20)
    .option('--timeout <n>', 'seconds to wait for the archive after stopping', (v) => Number(v), 120)
    .action(async (o: DemoOptions) => {
      setExit(await runDemo(o));
    });
}
