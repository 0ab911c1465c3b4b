import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { DependencyError } from '../../core/errors.js';
import type { FfmpegInfo } from '../../platform/ffmpeg.js';
import type { Logger } from '../../platform/log.js';
import type { CaptureConfig } from '../config.js';
import { buildCaptureArgs, parseSegmentListLine, type CaptureInputs } from './args.js';

/** A segment file FFmpeg has closed. */
export interface ClosedSegment {
  index: number;
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
  exit: [RecorderExit];
}

const SEGMENT_LIST_FD = 3;
const STDERR_TAIL_BYTES = 4096;

/**
 * One FFmpeg child producing one session's segments. Emits `segment` for each closed segment in
 * order and `exit` once. stop() asks FFmpeg to finish (it closes and announces the last segment),
 * then escalates to SIGTERM and SIGKILL if it does not exit in time.
 */
export class Recorder extends EventEmitter<RecorderEvents> {
  private stopping = false;
  private stderrTail = '';
  private readonly exited: Promise<RecorderExit>;

  private constructor(
    private readonly child: ChildProcess,
    readonly spoolDir: string,
    private readonly log: Logger,
  ) {
    super();
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        const exit = { code, signal, requested: this.stopping, stderrTail: this.stderrTail.trim() };
        this.log.info({ code, signal, requested: this.stopping }, 'ffmpeg exited');
        resolve(exit);
        this.emit('exit', exit);
      });
    });
  }

  static start(ff: FfmpegInfo, cfg: CaptureConfig, inputs: CaptureInputs, spoolDir: string, log: Logger): Promise<Recorder> {
    mkdirSync(spoolDir, { recursive: true });
    const args = buildCaptureArgs(cfg, inputs, { segmentPattern: join(spoolDir, 'seg-%06d.ts'), segmentListFd: SEGMENT_LIST_FD });
    log.info({ ffmpeg: ff.ffmpeg, args: args.join(' ') }, 'starting ffmpeg');
    const child = spawn(ff.ffmpeg, args, { stdio: ['pipe', 'ignore', 'pipe', 'pipe'], cwd: spoolDir });
    const rec = new Recorder(child, spoolDir, log);
    rec.wire();
    return new Promise((resolve, reject) => {
      child.once('spawn', () => resolve(rec));
      child.once('error', (err) => reject(new DependencyError('ffmpeg.spawn_failed', `cannot start ffmpeg ${ff.ffmpeg}: ${err.message}`, undefined, { cause: err })));
    });
  }

  private wire(): void {
    const stderr = this.child.stderr as Readable;
    stderr.setEncoding('utf8');
    stderr.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
    });
    const list = this.child.stdio[SEGMENT_LIST_FD] as Readable;
    let pending = '';
    let index = 0;
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
        this.emit('segment', { index: index++, path: join(this.spoolDir, entry.file), listStartSec: entry.startSec, listEndSec: entry.endSec });
      }
    });
    (this.child.stdin as Writable).on('error', (err) => this.log.debug({ err }, 'ffmpeg stdin closed'));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves when FFmpeg has exited, however it ended. */
  wait(): Promise<RecorderExit> {
    return this.exited;
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
