import { spawn } from 'node:child_process';
import { DependencyError, DualrecError } from '../core/errors.js';
import { ProgressParser, type FfmpegProgress } from '../core/ffmpeg-progress.js';
import type { FfmpegInfo } from './ffmpeg.js';

/** How much of FFmpeg's stderr is kept for the error message. */
const STDERR_TAIL_CHARS = 4000;

export interface FfmpegRunOptions {
  /** What the run does, for the error message ("render the derived files of session …"). */
  what: string;
  cwd?: string;
  /** Media seconds the run produces; progress is out_time / durationSec (0..1). */
  durationSec?: number;
  /** Called with each `-progress` report (about once a second) and the fraction done. */
  onProgress?: (fraction: number, report: FfmpegProgress) => void;
  timeoutMs: number;
  /** Aborting kills FFmpeg; the run then rejects with code `ffmpeg.aborted`. */
  signal?: AbortSignal;
}

export interface FfmpegRunResult {
  wallSec: number;
}

/**
 * Runs FFmpeg with `args` (after `-hide_banner -nostdin -nostats -v error -progress pipe:1`) and
 * resolves when it exits 0. Rejects with DependencyError naming `what`, the exit code or signal and
 * the tail of FFmpeg's stderr when it fails or times out; with DualrecError `ffmpeg.aborted` when
 * `signal` aborts it.
 */
export function runFfmpeg(ff: FfmpegInfo, args: readonly string[], opts: FfmpegRunOptions): Promise<FfmpegRunResult> {
  const started = process.hrtime.bigint();
  const full = ['-hide_banner', '-nostdin', '-nostats', '-v', 'error', '-progress', 'pipe:1', ...args];
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new DualrecError('ffmpeg.aborted', `${opts.what}: aborted before it started`));
    const child = spawn(ff.ffmpeg, full, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let timedOut = false;
    let aborted = false;
    const parser = new ProgressParser();
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      for (const r of parser.push(chunk)) {
        const fraction = opts.durationSec && opts.durationSec > 0 ? Math.min(1, Math.max(0, r.outTimeSec / opts.durationSec)) : 0;
        opts.onProgress?.(r.ended ? 1 : fraction, r);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    const onAbort = () => {
      aborted = true;
      child.kill('SIGKILL');
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (err) => {
      done();
      reject(new DependencyError('ffmpeg.missing', `${opts.what}: cannot run ${ff.ffmpeg}: ${err.message}`, undefined, { cause: err }));
    });
    child.on('close', (code, signal) => {
      done();
      const wallSec = Number(process.hrtime.bigint() - started) / 1e9;
      if (code === 0) return resolve({ wallSec });
      const tail = stderrTail(stderr);
      if (aborted) return reject(new DualrecError('ffmpeg.aborted', `${opts.what}: aborted`));
      if (timedOut) return reject(new DependencyError('ffmpeg.timeout', `${opts.what}: ffmpeg did not finish within ${Math.round(opts.timeoutMs / 1000)} s and was killed${tail ? `; stderr: ${tail}` : ''}`));
      const how = code !== null ? `exit code ${code}` : `signal ${signal}`;
      reject(new DependencyError('ffmpeg.failed', `${opts.what}: ffmpeg failed (${how})${tail ? `: ${tail}` : ' without a message'}`));
    });
  });
}

/** The last lines of FFmpeg's stderr, joined with " | " for a one-line error message. */
function stderrTail(stderr: string, lines = 12): string {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .slice(-lines)
    .join(' | ');
}
