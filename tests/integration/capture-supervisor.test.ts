// The capture supervisor on real FFmpeg (lavfi camera + tone), without the vault: SIGKILLs at random
// moments, salvage of the open segment, restarts into the same timeline, and a camera that ends.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureInputPlan } from '../../src/booth/capture/plan.js';
import { RecordingLock } from '../../src/booth/capture/recording-lock.js';
import { CaptureSupervisor, type RunSegment } from '../../src/booth/capture/supervisor.js';
import { CaptureConfig } from '../../src/booth/config.js';
import { FaultReporter } from '../../src/booth/faults/fault-reporter.js';
import { resolveFfmpeg, type FfmpegInfo } from '../../src/platform/ffmpeg.js';
import { createLogger } from '../../src/platform/log.js';
import { decodeErrors, probeMedia } from '../../src/platform/probe.js';
import { waitFor } from '../helpers/stack.js';

const run = promisify(execFile);
const log = createLogger('test', process.env.DUALREC_LOG_LEVEL ?? 'silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let ff: FfmpegInfo;
let dir: string;

beforeAll(async () => {
  ff = await resolveFfmpeg(null);
  dir = await mkdtemp(join(tmpdir(), 'dualrec-supervisor-'));
});
afterAll(async () => {
  if (process.env.DUALREC_KEEP === '1') console.info(`data kept in ${dir}`);
  else await rm(dir, { recursive: true, force: true });
});

async function startSupervisor(name: string, capture: object, faults = new FaultReporter()) {
  const cfg = CaptureConfig.parse({ segmentSeconds: 2, ...capture });
  const lock = new RecordingLock(join(dir, `${name}.lock`), log);
  await lock.acquire(name);
  const sup = await CaptureSupervisor.start({ ff, cfg, plan: (s) => captureInputPlan({ ...cfg, screen: 'none' }, s), spoolDir: join(dir, name), sessionId: '6f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01', faults, lock, log });
  const segments: RunSegment[] = [];
  sup.on('segment', (s) => segments.push(s));
  return { sup, segments, faults, lock };
}

async function pidsUnder(path: string): Promise<number[]> {
  try {
    const { stdout } = await run('pgrep', ['-f', path]);
    return stdout.trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('capture supervisor on real ffmpeg', () => {
  it('salvages the open segment and restarts into the same timeline after each SIGKILL', async () => {
    const { sup, segments, faults, lock } = await startSupervisor('kills', {});
    const spool = join(dir, 'kills');
    const progressRuns = new Set<number>();
    sup.on('progress', (p) => progressRuns.add(p.run));
    let face = 0;
    let pcm = 0;
    let previews = 0;
    sup.on('face', () => face++);
    sup.on('pcm', (b) => (pcm += b.length));
    sup.on('preview', (j) => {
      if (j[0] === 0xff && j[1] === 0xd8) previews++;
    });
    const started = Date.now();
    await waitFor(async () => progressRuns.has(0), 5000, 'first progress');
    const kills = Number(process.env.DUALREC_CAPTURE_KILLS ?? 5);
    const resume: number[] = [];
    for (let k = 0; k < kills; k++) {
      await sleep(1500 + Math.random() * 2000);
      const [pid] = await pidsUnder(`${spool}/run-${k}/`);
      expect(pid).toBeDefined();
      const t0 = Date.now();
      process.kill(pid!, 'SIGKILL');
      await waitFor(async () => progressRuns.has(k + 1), 3000, `run ${k + 1} to report progress`);
      resume.push(Date.now() - t0);
    }
    await sleep(2500);
    await sup.stop();
    await lock.release();
    const wallSec = (Date.now() - started) / 1000;
    expect(sup.restartCount).toBe(kills);
    expect(faults.active().find((f) => f.kind === 'recorder.crashed')?.count).toBe(kills);
    expect(await pidsUnder(spool)).toEqual([]);

    // Every segment plays on its own; runs continue the timeline; each restart loses <= 1.5 s.
    const timeline: Array<{ run: number; start: number; end: number; aStart: number; aEnd: number }> = [];
    for (const s of segments) {
      const p = await probeMedia(ff, s.path);
      const v = p.streams.find((x) => x.codec_type === 'video')!;
      const a = p.streams.find((x) => x.codec_type === 'audio')!;
      expect((await decodeErrors(ff, s.path)).join('\n'), s.path).toBe('');
      timeline.push({ run: s.run, start: v.start_time!, end: v.start_time! + v.duration!, aStart: a.start_time!, aEnd: a.start_time! + a.duration! });
    }
    console.info(JSON.stringify(timeline.map((t) => [t.run, t.start.toFixed(3), t.end.toFixed(3), t.aStart.toFixed(3), t.aEnd.toFixed(3)])));
    const lost: number[] = [];
    for (let i = 1; i < timeline.length; i++) {
      const hole = timeline[i]!.start - timeline[i - 1]!.end;
      expect(hole).toBeGreaterThan(-0.05);
      if (timeline[i]!.run !== timeline[i - 1]!.run) lost.push(hole);
      else expect(hole).toBeLessThan(0.1);
    }
    expect(lost).toHaveLength(kills);
    for (const l of lost) expect(l).toBeLessThanOrEqual(1.5);

    // The segments join into one clean recording.
    const list = join(dir, 'kills-joined.ts');
    await writeFile(list, Buffer.concat(await Promise.all(segments.map((s) => import('node:fs/promises').then((m) => m.readFile(s.path))))));
    const remux = await run(ff.ffmpeg, ['-v', 'error', '-y', '-i', list, '-c', 'copy', join(dir, 'kills.mp4')]);
    expect(remux.stderr).toBe('');
    const errs = await decodeErrors(ff, join(dir, 'kills.mp4'));
    if (errs.length > 0) console.info(JSON.stringify(timeline.map((t) => [t.run, t.start.toFixed(3), t.end.toFixed(3), t.aStart.toFixed(3), t.aEnd.toFixed(3)])), errs);
    expect(errs.join('\n')).toBe('');

    // Taps kept flowing: frames at ~2 fps and PCM at 16 kHz over the recorded time, minus the gaps.
    const recordedSec = wallSec - lost.reduce((a, b) => a + b, 0) - kills * 0.5;
    expect(face).toBeGreaterThanOrEqual(Math.floor(recordedSec * 2 * 0.9));
    expect(pcm / 32_000).toBeGreaterThanOrEqual(recordedSec * 0.9);
    expect(previews).toBeGreaterThan(recordedSec * 5 * 0.8);
    console.info(`supervisor kills: resume ms ${resume.join(', ')}; lost s ${lost.map((l) => l.toFixed(2)).join(', ')}; face ${face}, pcm ${(pcm / 32000).toFixed(1)} s over ~${recordedSec.toFixed(1)} s`);
  });

  it('raises camera.lost within 5 s of the camera ending and keeps the sound', async () => {
    const { sup, faults, lock } = await startSupervisor('camera', { fake: { cameraSeconds: 3 } });
    let pcm = 0;
    sup.on('pcm', (b) => (pcm += b.length));
    const t0 = Date.now();
    const fault = await waitFor(async () => faults.active().find((f) => f.kind === 'camera.lost'), 3000 + 5000, 'camera.lost');
    expect(Date.now() - t0).toBeLessThan(3000 + 5000);
    expect(fault.severity).toBe('error');
    const before = pcm;
    await sleep(1500);
    expect(pcm - before).toBeGreaterThan(32_000);
    expect(faults.active().find((f) => f.kind === 'mic.lost')).toBeUndefined();
    await sup.stop();
    await lock.release();
  });
});

describe('recording lock', () => {
  it('refuses a second holder while the first lives and takes over from a dead one', async () => {
    const path = join(dir, 'one.lock');
    const a = new RecordingLock(path, log);
    await a.acquire('s1');
    // A live holder (pid 1 always exists) blocks.
    await writeFile(path, JSON.stringify({ pid: 1, sessionId: 's0', ffmpegPid: null, since: new Date().toISOString() }));
    await expect(new RecordingLock(path, log).acquire('s2')).rejects.toThrow(/another booth process \(pid 1\) is recording session s0/);
    // A dead holder is replaced.
    await writeFile(path, JSON.stringify({ pid: 999_999_999, sessionId: 's0', ffmpegPid: null, since: new Date().toISOString() }));
    const b = new RecordingLock(path, log);
    await b.acquire('s3');
    await b.release();
    await b.release();
  });
});
