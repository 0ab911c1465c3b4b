import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { DependencyError } from '../../core/errors.js';
import type { FfmpegInfo } from '../../platform/ffmpeg.js';
import type { Logger } from '../../platform/log.js';
import type { CaptureConfig } from '../config.js';
import { buildCaptureArgs, FD, parseSegmentListLine, type InputPlan, type LiveOutput } from './args.js';
import { FixedChunker, MjpegSplitter } from './mjpeg.js';
import { ProgressParser, type CaptureProgress } from './progress.js';

/** A segment file FFmpeg has closed. */
export interface ClosedSegment {
  path: string;
  /** Times from FFmpeg's segment list (approximate; the vault measures exact durations). */
  listStartSec: number;
  listEndSec: number;
}

export interface RecorderExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when stop() asked for the exit. */
  requested: boolean;
  stderrTail: string;
}

export interface RecorderEvents {
  segment: [ClosedSegment];
  /** One gray frame of the camera (taps.faceWidth x taps.faceHeight bytes). */
  face: [Buffer];
  /** 16 kHz mono s16le PCM of the microphone. */
  pcm: [Buffer];
  /** One JPEG of the camera preview. */
  preview: [Buffer];
  progress: [CaptureProgress];
  exit: [RecorderExit];
}

const STDERR_TAIL_BYTES = 4096;

/**
 * One FFmpeg run writing segments into `spoolDir`, with the face, speech and preview taps and
 * progress on extra pipes (layout in args.ts). Every pipe is always drained, so a slow consumer can
 * never stall the recording. Emits `exit` once, after FFmpeg has exited and every pipe is closed,
 * so no segment announcement arrives after it.
 */
export class Recorder extends EventEmitter<RecorderEvents> {
  private stopping = false;
  private stderrTail = '';
  private readonly exited: Promise<RecorderExit>;
  private readonly announced = new Set<string>();

  private constructor(
    private readonly child: ChildProcess,
    readonly spoolDir: string,
    private readonly cfg: CaptureConfig,
    private readonly log: Logger,
  ) {
    super();
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        const exit = { code, signal, requested: this.stopping, stderrTail: this.stderrTail.trim() };
        this.log.info({ code, signal, requested: this.stopping }, 'ffmpeg exited');
        resolve(exit);
        this.emit('exit', exit);
      });
    });
  }

  static start(ff: FfmpegInfo, cfg: CaptureConfig, plan: InputPlan, spoolDir: string, tsOffsetSec: number, log: Logger, live?: LiveOutput): Promise<Recorder> {
    mkdirSync(spoolDir, { recursive: true, mode: 0o700 });
    const args = buildCaptureArgs(cfg, plan, { segmentPattern: join(spoolDir, 'seg-%06d.ts'), tsOffsetSec, live });
    log.info({ ffmpeg: ff.ffmpeg, args: args.join(' ') }, 'starting ffmpeg');
    const child = spawn(ff.ffmpeg, args, { stdio: ['pipe', 'ignore', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe'], cwd: spoolDir });
    const rec = new Recorder(child, spoolDir, cfg, log);
    rec.wire();
    return new Promise((resolve, reject) => {
      child.once('spawn', () => resolve(rec));
      child.once('error', (err) => reject(new DependencyError('ffmpeg.spawn_failed', `cannot start ffmpeg ${ff.ffmpeg}: ${err.message}`, undefined, { cause: err })));
    });
  }

  private pipe(fd: number): Readable {
    return this.child.stdio[fd] as Readable;
  }

  private wire(): void {
    const stderr = this.child.stderr as Readable;
    stderr.setEncoding('utf8');
    stderr.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
    });

    let pending = '';
    const list = this.pipe(FD.segmentList);
    list.setEncoding('utf8');
    list.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const entry = parseSegmentListLine(line);
        if (!entry) {
          if (line.trim()) this.log.warn({ line }, 'unrecognised segment list line');
          continue;
        }
        this.announced.add(entry.file);
        this.emit('segment', { path: join(this.spoolDir, entry.file), listStartSec: entry.startSec, listEndSec: entry.endSec });
      }
    });

    const faces = new FixedChunker(this.cfg.taps.faceWidth * this.cfg.taps.faceHeight);
    this.pipe(FD.face).on('data', (chunk: Buffer) => {
      for (const f of faces.push(chunk)) this.emit('face', f);
    });
    this.pipe(FD.pcm).on('data', (chunk: Buffer) => this.emit('pcm', chunk));
    const jpegs = new MjpegSplitter();
    this.pipe(FD.preview).on('data', (chunk: Buffer) => {
      for (const j of jpegs.push(chunk)) this.emit('preview', j);
    });
    const progress = new ProgressParser();
    const prog = this.pipe(FD.progress);
    prog.setEncoding('utf8');
    prog.on('data', (chunk: string) => {
      for (const p of progress.push(chunk)) this.emit('progress', p);
    });
    for (const fd of [FD.segmentList, FD.face, FD.pcm, FD.preview, FD.progress]) this.pipe(fd).on('error', (err) => this.log.debug({ err, fd }, 'recorder pipe error'));
    (this.child.stdin as Writable).on('error', (err) => this.log.debug({ err }, 'ffmpeg stdin closed'));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Names of the segment files FFmpeg announced as closed (the rest in spoolDir were open at exit). */
  get announcedFiles(): ReadonlySet<string> {
    return this.announced;
  }

  /** Resolves when FFmpeg has exited and its pipes are closed, however it ended. */
  wait(): Promise<RecorderExit> {
    return this.exited;
  }

  /** Kills FFmpeg at once (a stall); the exit is reported as not requested. */
  kill(): void {
    this.child.kill('SIGKILL');
  }

  /** Asks FFmpeg to finish the recording; safe to call twice. Resolves with the exit. */
  async stop(graceMs = 10_000): Promise<RecorderExit> {
    if (!this.stopping && this.child.exitCode === null && this.child.signalCode === null) {
      this.stopping = true;
      const stdin = this.child.stdin as Writable;
      if (stdin.writable) stdin.end('q');
      const term = setTimeout(() => this.child.kill('SIGTERM'), graceMs);
      const kill = setTimeout(() => this.child.kill('SIGKILL'), graceMs * 2);
      try {
        return await this.exited;
      } finally {
        clearTimeout(term);
        clearTimeout(kill);
      }
    }
    return this.exited;
  }
}
