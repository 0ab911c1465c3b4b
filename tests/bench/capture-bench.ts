// npm run bench:capture [-- --seconds 15 --screen moving|static --only <name-substring>]
//
// What the booth's one FFmpeg costs on this machine: an Xvfb screen (720p15, 1080p15) grabbed with
// x11grab, a lavfi camera 640x480@15 overlaid as picture-in-picture and a sine "microphone",
// encoded with x264 ultrafast/superfast/veryfast into 4 s MPEG-TS segments together with the
// face/speech taps and the MJPEG preview, as the recorder runs it. Per run: ffmpeg CPU as % of one
// core (utime+stime from /proc/<pid>/stat over the measured window), speed and dropped/duplicated
// frames (from -progress), video frames really recorded and tap deliveries (counted in the files),
// MB per minute of media. Baselines in the same run: the same picture and encode into one file
// without the segment muxer and taps, and the recorder with FFmpeg's default 8-packet queue on the
// x11grab input instead of buildInputArgs' 512 (the slow tap outputs then stall the grabber,
// which drops and duplicates screen frames). With `--screen moving` (default) a second ffmpeg
// plays a test pattern full-screen on the Xvfb display through SDL, standing in for the
// risk-disclosure video the kiosk shows; its CPU is reported separately, as is the CPU of all
// other processes on the machine (contention).
//
// The recorder runs use the booth's own argument builders from dist/ (the npm script compiles
// first), so the bench measures exactly what the booth runs.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

type Variant = 'raw' | 'recorder';
interface Run {
  name: string;
  screen: { width: number; height: number };
  preset: 'ultrafast' | 'superfast' | 'veryfast';
  variant: Variant;
  /** x11grab input queue: 512 packets as buildInputArgs sets, or FFmpeg's default (8). */
  x11Queue?: 'ffmpeg-default';
}
interface Result extends Run {
  cpuPercentOfOneCore: number;
  playerCpuPercent: number | null;
  speed: number;
  frames: number;
  /** Over the measured window (after the warm-up). */
  dropFrames: number;
  dupFrames: number;
  /** Over the whole run, start-up included. */
  dropFramesTotal: number;
  dupFramesTotal: number;
  mediaSeconds: number;
  /** Video frames really in the output files (ffprobe), against media duration x fps. */
  recordedFrames: number;
  recordedFramesPercent: number;
  /** First video timestamp minus first audio timestamp in the output, seconds. */
  videoStartsLateSec: number;
  /** Tap deliveries against the media duration (recorder runs only), percent of expected. */
  taps: { facePercent: number; pcmPercent: number; previewPercent: number } | null;
  /** All other processes on the machine during the window, % of one core (contention check). */
  otherCpuPercent: number;
  mbPerMin: number;
  segments: number;
  exitCode: number | null;
}


const dist = (p: string) => pathToFileURL(join(import.meta.dirname, '../../dist', p)).href;
const { buildCaptureArgs, FD } = (await import(dist('booth/capture/args.js'))) as typeof import('../../src/booth/capture/args.js');
const { buildInputArgs } = (await import(dist('booth/capture/devices/input-args.js'))) as typeof import('../../src/booth/capture/devices/input-args.js');
const { selectionFromConfig } = (await import(dist('booth/capture/devices/selection.js'))) as typeof import('../../src/booth/capture/devices/selection.js');
const { CaptureConfig } = (await import(dist('booth/config.js'))) as typeof import('../../src/booth/config.js');
const FFMPEG = process.env.FFMPEG ?? '/usr/bin/ffmpeg';
const FFPROBE = join(dirname(FFMPEG), 'ffprobe');
const FACE = { width: 320, height: 240, fps: 2 };
const PREVIEW_FPS = 5;
const FPS = 15;
const CAMERA = { width: 640, height: 480 };
const PIP_WIDTH = 400;
const SEGMENT_SECONDS = 4;
const WARMUP_MS = 2000;

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const SECONDS = Number(flag('seconds', '15'));
const SCREEN_MODE = flag('screen', 'moving');
const ONLY = flag('only', '');
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/**
 * The recorder's ffmpeg arguments for a run: exactly what buildInputArgs + buildCaptureArgs
 * (compiled to dist/ by the bench script) produce for the fake camera/mic and an x11grab screen,
 * with the pipes redirected to files so the bench can count what each output delivered, and
 * progress on stdout. `raw` is the baseline: the same picture and encode into one file, without the
 * segment muxer, taps and preview.
 */
function ffmpegArgs(run: Run, display: string, dir: string): string[] {
  if (run.variant === 'recorder') {
    const cfg = CaptureConfig.parse({ screen: 'x11', display, preset: run.preset, fps: FPS, width: CAMERA.width, height: CAMERA.height, pipWidth: PIP_WIDTH, segmentSeconds: SEGMENT_SECONDS, taps: { faceFps: FACE.fps, faceWidth: FACE.width, faceHeight: FACE.height, previewFps: PREVIEW_FPS } });
    const plan = buildInputArgs('linux', selectionFromConfig(cfg, 'linux', {}));
    if (run.x11Queue === 'ffmpeg-default') plan.args.splice(plan.args.indexOf('-thread_queue_size'), 2);
    const files: Record<string, string> = {
      [`pipe:${FD.segmentList}`]: join(dir, 'segments.csv'),
      [`pipe:${FD.face}`]: join(dir, 'face.gray'),
      [`pipe:${FD.pcm}`]: join(dir, 'speech.pcm'),
      [`pipe:${FD.preview}`]: join(dir, 'preview.mjpeg'),
      [`pipe:${FD.progress}`]: 'pipe:1',
    };
    return ['-y', ...buildCaptureArgs(cfg, plan, { segmentPattern: join(dir, 'seg-%06d.ts'), tsOffsetSec: 0 }).map((a) => files[a] ?? a)];
  }
  const args = ['-hide_banner', '-y', '-loglevel', 'warning', '-nostats', '-stats_period', '1', '-progress', 'pipe:1'];
  args.push('-f', 'x11grab', '-thread_queue_size', '512', '-draw_mouse', '1', '-framerate', String(FPS), '-i', display);
  args.push('-re', '-f', 'lavfi', '-i', `testsrc2=size=${CAMERA.width}x${CAMERA.height}:rate=${FPS}[out0];sine=frequency=440:sample_rate=48000:beep_factor=4[out1]`);
  args.push('-filter_complex', `[1:v]fps=${FPS},scale=${PIP_WIDTH}:-2[pip];[0:v]fps=${FPS}[scr];[scr][pip]overlay=W-w-16:H-h-16:eof_action=pass:shortest=0,format=yuv420p[v]`, '-map', '[v]', '-map', '1:a');
  args.push('-c:v', 'libx264', '-preset', run.preset, '-tune', 'zerolatency', '-crf', '26', '-pix_fmt', 'yuv420p');
  return [...args, '-c:a', 'aac', '-b:a', '96k', '-ar', '48000', '-ac', '1', '-f', 'mpegts', join(dir, 'raw.ts')];
}

/** utime + stime of a process in seconds, or null once it has gone. */
function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

/** Busy and total jiffies of the whole machine (all cores) from /proc/stat. */
function machineJiffies(): { busy: number; total: number } {
  const cols = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cols.reduce((a, b) => a + b, 0);
  return { busy: total - (cols[3] ?? 0) - (cols[4] ?? 0), total };
}

/** Video packets in the joined segments and their duration, by ffprobe. */
function probeFrames(files: string[]): { frames: number; seconds: number; videoStartsLateSec: number } {
  const out = execFileSync(FFPROBE, ['-v', 'error', '-count_packets', '-show_entries', 'stream=codec_type,start_time,nb_read_packets:format=duration', '-of', 'json', `concat:${files.join('|')}`], { encoding: 'utf8' });
  const j = JSON.parse(out) as { streams?: Array<{ codec_type?: string; start_time?: string; nb_read_packets?: string }>; format?: { duration?: string } };
  const v = j.streams?.find((x) => x.codec_type === 'video');
  const a = j.streams?.find((x) => x.codec_type === 'audio');
  return { frames: Number(v?.nb_read_packets ?? 0), seconds: Number(j.format?.duration ?? 0), videoStartsLateSec: Number(v?.start_time ?? 0) - Number(a?.start_time ?? 0) };
}

function countOf(buf: Buffer, needle: string): number {
  let n = 0;
  for (let at = buf.indexOf(needle); at >= 0; at = buf.indexOf(needle, at + needle.length)) n++;
  return n;
}

async function startXvfb(width: number, height: number): Promise<{ proc: ChildProcess; display: string }> {
  const proc = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  let out = '';
  (proc.stdio[3] as Readable).on('data', (c: Buffer) => (out += c.toString()));
  for (let i = 0; i < 100 && !/^\d+\n/.test(out); i++) await sleep(100);
  const n = out.trim();
  if (!/^\d+$/.test(n)) throw new Error('Xvfb did not start (apt-get install xvfb)');
  for (let i = 0; i < 100 && !existsSync(`/tmp/.X11-unix/X${n}`); i++) await sleep(100);
  return { proc, display: `:${n}` };
}

/** A full-screen test pattern on the display, through SDL, as a moving kiosk would show. */
function startPlayer(display: string, width: number, height: number): ChildProcess {
  return spawn(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${FPS}`, '-pix_fmt', 'yuv420p', '-window_fullscreen', '1', '-f', 'sdl2', 'kiosk'], {
    stdio: 'ignore',
    env: { ...process.env, DISPLAY: display },
  });
}

async function measure(run: Run, display: string, player: ChildProcess | null): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'dualrec-bench-'));
  const child = spawn(FFMPEG, ffmpegArgs(run, display, dir), { stdio: ['pipe', 'pipe', 'pipe'] });
  const progress = new Map<string, string>();
  let stderr = '';
  (child.stdout as Readable).setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) progress.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
    }
  });
  (child.stderr as Readable).setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
  let gone = false;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => ((gone = true), resolve(code))));
  await sleep(WARMUP_MS);
  const t0 = performance.now();
  const c0 = cpuSeconds(child.pid);
  const p0 = cpuSeconds(player?.pid);
  const m0 = machineJiffies();
  const drop0 = Number(progress.get('drop_frames') ?? 0);
  const dup0 = Number(progress.get('dup_frames') ?? 0);
  await sleep(SECONDS * 1000);
  const c1 = cpuSeconds(child.pid);
  const p1 = cpuSeconds(player?.pid);
  const m1 = machineJiffies();
  const wall = (performance.now() - t0) / 1000;
  if (gone) throw new Error(`${run.name}: ffmpeg ended early (exit ${await exited}): ${stderr}`);
  child.stdin!.end('q');
  const exitCode = await Promise.race([exited, sleep(10_000).then(() => (child.kill('SIGKILL'), null))]);
  if (c0 === null || c1 === null) throw new Error(`${run.name}: ffmpeg ended early (exit ${exitCode}): ${stderr}`);
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort().map((f) => join(dir, f));
  const bytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
  const probed = probeFrames(files);
  const size = (f: string) => (existsSync(join(dir, f)) ? statSync(join(dir, f)).size : 0);
  const taps = run.variant === 'recorder'
    ? {
        facePercent: round((size('face.gray') / (FACE.width * FACE.height) / (probed.seconds * FACE.fps)) * 100),
        pcmPercent: round((size('speech.pcm') / 32000 / probed.seconds) * 100),
        previewPercent: round((countOf(readFileSync(join(dir, 'preview.mjpeg')), '--ffmpeg') / (probed.seconds * PREVIEW_FPS)) * 100),
      }
    : null;
  rmSync(dir, { recursive: true, force: true });
  const ownTicks = (c1 - c0 + (p0 !== null && p1 !== null ? p1 - p0 : 0)) * CLK_TCK;
  const otherCpuPercent = round(((m1.busy - m0.busy - ownTicks) / CLK_TCK / wall) * 100);
  const mediaSeconds = Number(progress.get('out_time_us') ?? progress.get('out_time_ms') ?? 0) / 1e6;
  const num = (k: string) => Number(progress.get(k) ?? NaN);
  return {
    ...run,
    cpuPercentOfOneCore: round(((c1 - c0) / wall) * 100),
    playerCpuPercent: p0 !== null && p1 !== null ? round(((p1 - p0) / wall) * 100) : null,
    speed: Number((progress.get('speed') ?? 'NaN').replace('x', '')),
    frames: num('frame'),
    dropFrames: num('drop_frames') - drop0,
    dupFrames: num('dup_frames') - dup0,
    dropFramesTotal: num('drop_frames'),
    dupFramesTotal: num('dup_frames'),
    mediaSeconds: round(mediaSeconds),
    recordedFrames: probed.frames,
    recordedFramesPercent: round((probed.frames / (probed.seconds * FPS)) * 100),
    videoStartsLateSec: Math.round(probed.videoStartsLateSec * 1000) / 1000,
    taps,
    otherCpuPercent,
    mbPerMin: round(bytes / 1e6 / (mediaSeconds / 60)),
    segments: run.variant === 'raw' ? 0 : files.length,
    exitCode,
  };
}

const round = (n: number) => Math.round(n * 10) / 10;

function plan(): Run[] {
  const runs: Run[] = [];
  for (const screen of [{ width: 1280, height: 720 }, { width: 1920, height: 1080 }]) {
    const tag = `${screen.height}p${FPS}`;
    runs.push({ name: `${tag} veryfast one file (no segments, no taps)`, screen, preset: 'veryfast', variant: 'raw' });
    for (const preset of ['ultrafast', 'superfast', 'veryfast'] as const) runs.push({ name: `${tag} ${preset} recorder`, screen, preset, variant: 'recorder' });
    if (screen.height === 720) runs.push({ name: `${tag} veryfast recorder, x11grab queue 8`, screen, preset: 'veryfast', variant: 'recorder', x11Queue: 'ffmpeg-default' });
  }
  return runs.filter((r) => r.name.includes(ONLY));
}

function table(results: Result[]): string {
  const head = ['run', 'cpu %core', 'player %', 'other %', 'speed', 'drop', 'dup', 'drop/dup total', 'recorded frames', 'video late s', 'taps face/pcm/preview %', 'MB/min', 'segs'];
  const rows = results.map((r) => [r.name, r.cpuPercentOfOneCore, r.playerCpuPercent ?? '-', r.otherCpuPercent, `${r.speed}x`, r.dropFrames, r.dupFrames, `${r.dropFramesTotal}/${r.dupFramesTotal}`, `${r.recordedFrames} (${r.recordedFramesPercent}%)`, r.videoStartsLateSec, r.taps ? `${r.taps.facePercent}/${r.taps.pcmPercent}/${r.taps.previewPercent}` : '-', r.mbPerMin, r.segments].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)].join('\n');
}

async function main(): Promise<void> {
  const runs = plan();
  const results: Result[] = [];
  const started = Date.now();
  for (const size of [720, 1080]) {
    const mine = runs.filter((r) => r.screen.height === size);
    if (mine.length === 0) continue;
    const { width, height } = mine[0]!.screen;
    const x = await startXvfb(width, height);
    const player = SCREEN_MODE === 'moving' ? startPlayer(x.display, width, height) : null;
    try {
      await sleep(1000);
      for (const run of mine) {
        process.stderr.write(`bench: ${run.name} (${SECONDS} s)...\n`);
        results.push(await measure(run, x.display, player));
      }
    } finally {
      player?.kill();
      x.proc.kill();
    }
  }
  const version = execFileSync(FFMPEG, ['-hide_banner', '-version'], { encoding: 'utf8' }).split('\n')[0];
  const env = { ffmpeg: FFMPEG, version, cpus: cpus().length, cpuModel: cpus()[0]?.model, seconds: SECONDS, screen: SCREEN_MODE, camera: `${CAMERA.width}x${CAMERA.height}@${FPS} lavfi as ${PIP_WIDTH} px PiP`, tune: 'zerolatency', crf: 26, segmentSeconds: SEGMENT_SECONDS, totalSeconds: Math.round((Date.now() - started) / 1000) };
  console.log(JSON.stringify({ env, results }, null, 2));
  console.log(`\n${table(results)}`);
}

await main();
