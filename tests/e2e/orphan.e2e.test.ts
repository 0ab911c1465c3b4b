// A booth process killed with SIGKILL (power-cut style) must not leave its FFmpeg recording:
// FFmpeg's tap pipes break and it exits. Runs the compiled booth code (dist/) in a child process.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { waitFor } from '../helpers/stack.js';

const DIST = resolve(import.meta.dirname, '../../dist');
let dir = '';

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    // A zombie (state Z) has exited; only its parent has not reaped it yet.
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z';
  } catch {
    return false;
  }
}

it('FFmpeg exits within 2 s when the booth process is killed', async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-orphan-'));
  const script = `
    const { CaptureSupervisor } = await import(${JSON.stringify(pathToFileURL(join(DIST, 'booth/capture/supervisor.js')).href)});
    const { RecordingLock } = await import(${JSON.stringify(pathToFileURL(join(DIST, 'booth/capture/recording-lock.js')).href)});
    const { captureInputPlan } = await import(${JSON.stringify(pathToFileURL(join(DIST, 'booth/capture/plan.js')).href)});
    const { CaptureConfig } = await import(${JSON.stringify(pathToFileURL(join(DIST, 'booth/config.js')).href)});
    const { FaultReporter } = await import(${JSON.stringify(pathToFileURL(join(DIST, 'booth/faults/fault-reporter.js')).href)});
    const { resolveFfmpeg } = await import(${JSON.stringify(pathToFileURL(join(DIST, 'platform/ffmpeg.js')).href)});
    const { createLogger } = await import(${JSON.stringify(pathToFileURL(join(DIST, 'platform/log.js')).href)});
    const log = createLogger('orphan', 'silent');
    const cfg = CaptureConfig.parse({ segmentSeconds: 2, screen: 'none' });
    const lock = new RecordingLock(${JSON.stringify(join(dir, 'rec.lock'))}, log);
    await lock.acquire('s');
    const sup = await CaptureSupervisor.start({ ff: await resolveFfmpeg(null), cfg, plan: (s) => captureInputPlan(cfg, s), spoolDir: ${JSON.stringify(join(dir, 'spool'))}, sessionId: '6f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01', faults: new FaultReporter(), lock, log });
    sup.once('progress', () => console.log('recording'));
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(async () => out.includes('recording'), 15_000, 'the child to record');
  const lockBody = JSON.parse(readFileSync(join(dir, 'rec.lock'), 'utf8')) as { ffmpegPid: number };
  expect(alive(lockBody.ffmpegPid)).toBe(true);
  child.kill('SIGKILL');
  const t0 = Date.now();
  await waitFor(async () => !alive(lockBody.ffmpegPid), 2000, 'the orphaned ffmpeg to exit');
  console.info(`orphaned ffmpeg exited ${Date.now() - t0} ms after its parent was killed`);
});
