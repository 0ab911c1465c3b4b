// A long recording on real FFmpeg under Xvfb: screen + fake camera (a white flash each second) +
// fake microphone (a 1 kHz beep each second). Checks that every segment plays on its own, that
// segment lengths hit the target within one frame, that audio and video stay within 40 ms of
// each other (flash vs beep), and that the taps deliver >= 95% of what they should.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tapStep } from '../../src/booth/capture/args.js';
import { captureInputPlan } from '../../src/booth/capture/plan.js';
import { RecordingLock } from '../../src/booth/capture/recording-lock.js';
import { CaptureSupervisor, type RunSegment } from '../../src/booth/capture/supervisor.js';
import { CaptureConfig } from '../../src/booth/config.js';
import { FaultReporter } from '../../src/booth/faults/fault-reporter.js';
import { resolveFfmpeg, type FfmpegInfo } from '../../src/platform/ffmpeg.js';
import { createLogger } from '../../src/platform/log.js';
import { decodeErrors, probeMedia } from '../../src/platform/probe.js';
import { waitFor } from '../helpers/stack.js';
import { startXvfb, type Xvfb } from '../helpers/xvfb.js';

const run = promisify(execFile);
const SECONDS = Number(process.env.DUALREC_CAPTURE_SECONDS ?? 60);
const SCREEN = { width: 800, height: 600 };
const log = createLogger('test', process.env.DUALREC_LOG_LEVEL ?? 'silent');

let ff: FfmpegInfo;
let dir: string;
let xvfb: Xvfb;

beforeAll(async () => {
  ff = await resolveFfmpeg(null);
  dir = await mkdtemp(join(tmpdir(), 'dualrec-quality-'));
  xvfb = await startXvfb(SCREEN.width, SCREEN.height);
});
afterAll(async () => {
  xvfb?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Times (s) where a series crosses above `threshold` after being below it. */
function onsets(series: Array<[number, number]>, threshold: number): number[] {
  const out: number[] = [];
  let below = true;
  for (const [t, v] of series) {
    if (below && v > threshold) out.push(t);
    below = v <= threshold;
  }
  return out;
}

async function lavfiFrames(graph: string, tag: string): Promise<Array<[number, number]>> {
  const { stdout } = await run(ff.ffprobe!, ['-v', 'error', '-f', 'lavfi', '-i', graph, '-show_entries', `frame=pts_time:frame_tags=${tag}`, '-of', 'csv=p=0'], { maxBuffer: 64 * 1024 * 1024 });
  return stdout
    .trim()
    .split('\n')
    .map((l) => l.split(',').map(Number) as [number, number])
    .filter(([t, v]) => Number.isFinite(t) && Number.isFinite(v));
}

describe(`a ${SECONDS} s recording of screen, camera and microphone`, () => {
  it('has self-contained segments of the target length, A/V in sync, and complete taps', async () => {
    const cfg = CaptureConfig.parse({ screen: 'x11', display: xvfb.display, fake: { pattern: 'avsync' } });
    const lock = new RecordingLock(join(dir, 'rec.lock'), log);
    await lock.acquire('quality');
    const faults = new FaultReporter();
    const sup = await CaptureSupervisor.start({ ff, cfg, plan: (s) => captureInputPlan(cfg, s), spoolDir: join(dir, 'spool'), sessionId: '6f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01', faults, lock, log });
    const segments: RunSegment[] = [];
    let face = 0;
    let pcm = 0;
    let firstProgress = 0;
    let maxGapMs = 0;
    let lastProgress = 0;
    sup.on('segment', (s) => segments.push(s));
    sup.on('face', () => face++);
    sup.on('pcm', (b) => (pcm += b.length));
    sup.on('progress', () => {
      const now = Date.now();
      if (lastProgress) maxGapMs = Math.max(maxGapMs, now - lastProgress);
      lastProgress = now;
      firstProgress ||= now;
    });
    await waitFor(async () => firstProgress > 0, 10_000, 'first progress');
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    await sup.stop();
    await lock.release();
    const elapsed = (Date.now() - firstProgress) / 1000;
    expect(sup.restartCount).toBe(0);
    expect(faults.active()).toEqual([]);
    // Progress (the periodic recording status) at least every 2 s.
    expect(maxGapMs).toBeLessThanOrEqual(2000);

    // Taps: >= 95% of the frames and PCM the elapsed time calls for.
    const faceRate = cfg.fps / tapStep(cfg.fps, cfg.taps.faceFps);
    expect(faceRate).toBeGreaterThanOrEqual(cfg.taps.faceFps);
    expect(face / (elapsed * faceRate)).toBeGreaterThanOrEqual(0.95);
    expect(pcm / (elapsed * 16_000 * 2)).toBeGreaterThanOrEqual(0.95);

    // Every segment decodes on its own and is the target length within one frame (but the last).
    const frame = 1 / cfg.fps;
    expect(segments.length).toBeGreaterThanOrEqual(Math.floor(SECONDS / cfg.segmentSeconds));
    for (const [i, s] of segments.entries()) {
      expect((await decodeErrors(ff, s.path)).join('\n'), s.path).toBe('');
      const v = (await probeMedia(ff, s.path)).streams.find((x) => x.codec_type === 'video')!;
      if (i < segments.length - 1) expect(Math.abs(v.duration! - cfg.segmentSeconds), `segment ${i} lasts ${v.duration} s`).toBeLessThanOrEqual(frame + 1e-6);
    }

    // A/V offset: the camera's flash (inside the picture-in-picture) against the beep.
    const joined = join(dir, 'joined.ts');
    await writeFile(joined, Buffer.concat(await Promise.all(segments.map((s) => readFile(s.path)))));
    // The video is not cut short at the stop (an fps filter on a tap once cut ~0.5 s): it ends
    // within 0.3 s of the sound (the sound may run a little longer when FFmpeg is told to stop).
    const all = (await probeMedia(ff, joined)).streams;
    const vEnd = all.find((x) => x.codec_type === 'video')!;
    const aEnd = all.find((x) => x.codec_type === 'audio')!;
    expect(Math.abs(vEnd.start_time! + vEnd.duration! - (aEnd.start_time! + aEnd.duration!))).toBeLessThanOrEqual(0.3);

    const mp4 = join(dir, 'joined.mp4');
    await run(ff.ffmpeg, ['-v', 'error', '-y', '-i', joined, '-c', 'copy', mp4]);
    const pipH = Math.round((cfg.pipWidth * cfg.height) / cfg.width / 2) * 2;
    const crop = `crop=${cfg.pipWidth}:${pipH}:${SCREEN.width - cfg.pipWidth - 16}:${SCREEN.height - pipH - 16}`;
    const video = await lavfiFrames(`movie=${mp4},${crop},signalstats`, 'lavfi.signalstats.YAVG');
    const audio = await lavfiFrames(`amovie=${mp4},asetnsamples=n=240,astats=metadata=1:reset=1`, 'lavfi.astats.Overall.RMS_level');
    const flashes = onsets(video, 128);
    const beeps = onsets(audio, -30);
    expect(flashes.length).toBeGreaterThanOrEqual(SECONDS - 2);
    const offsets = flashes.map((f) => beeps.reduce((best, b) => (Math.abs(b - f) < Math.abs(best) ? b - f : best), Number.POSITIVE_INFINITY));
    const worst = Math.max(...offsets.map(Math.abs));
    console.info(`capture quality: ${segments.length} segments, face ${face} (${((100 * face) / (elapsed * faceRate)).toFixed(1)}%), pcm ${((100 * pcm) / (elapsed * 32_000)).toFixed(1)}%, A/V offset mean ${(1000 * offsets.reduce((a, b) => a + b, 0) / offsets.length).toFixed(1)} ms, worst ${(1000 * worst).toFixed(1)} ms over ${offsets.length} flashes`);
    expect(worst).toBeLessThan(0.04);
  });

  it('raises camera.lost within 5 s of the camera ending while screen and sound keep recording', async () => {
    const cfg = CaptureConfig.parse({ segmentSeconds: 2, screen: 'x11', display: xvfb.display, fake: { cameraSeconds: 4 } });
    const lock = new RecordingLock(join(dir, 'cam.lock'), log);
    await lock.acquire('camera');
    const faults = new FaultReporter();
    const sup = await CaptureSupervisor.start({ ff, cfg, plan: (s) => captureInputPlan(cfg, s), spoolDir: join(dir, 'cam'), sessionId: '6f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01', faults, lock, log });
    const segments: RunSegment[] = [];
    let pcm = 0;
    sup.on('segment', (x) => segments.push(x));
    sup.on('pcm', (b) => (pcm += b.length));
    const started = Date.now();
    const fault = await waitFor(async () => faults.active().find((f) => f.kind === 'camera.lost'), 4000 + 5000, 'camera.lost');
    const raisedAfterCameraEnd = (Date.now() - started) / 1000 - 4;
    expect(raisedAfterCameraEnd).toBeLessThan(5);
    expect(fault.message).toMatch(/screen and sound are still recorded/);
    const pcmAtFault = pcm;
    const segsAtFault = segments.length;
    await new Promise((r) => setTimeout(r, 4500));
    await sup.stop();
    await lock.release();
    expect(sup.restartCount).toBe(0);
    expect(pcm - pcmAtFault).toBeGreaterThan(32_000 * 3.5);
    expect(segments.length).toBeGreaterThan(segsAtFault);
    const last = (await probeMedia(ff, segments.at(-2)!.path)).streams;
    expect(last.map((x) => x.codec_type).sort()).toEqual(['audio', 'video']);
    expect(last.find((x) => x.codec_type === 'video')!.duration).toBeGreaterThan(1.5);
    console.info(`camera loss: camera.lost raised ${raisedAfterCameraEnd.toFixed(1)} s after the camera ended`);
  });
});
