import { spawn, type ChildProcess } from 'node:child_process';
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
    const watch = killOnTimeoutOrAbort(child, opts.timeoutMs, opts.signal);
    const done = () => watch.dispose();
    child.on('error', (err) => {
      done();
      reject(new DependencyError('ffmpeg.missing', `${opts.what}: cannot run ${ff.ffmpeg}: ${err.message}`, undefined, { cause: err }));
    });
    child.on('close', (code, signal) => {
      done();
      const wallSec = Number(process.hrtime.bigint() - started) / 1e9;
      if (code === 0) return resolve({ wallSec });
      reject(ffmpegExitError(opts.what, { code, signal }, watch, stderr, opts.timeoutMs));
    });
  });
}

/** Kills `child` when `timeoutMs` passes or `signal` aborts, and tells which happened; `dispose()` stops watching. */
export function killOnTimeoutOrAbort(child: ChildProcess, timeoutMs: number, signal?: AbortSignal): { readonly timedOut: boolean; readonly aborted: boolean; dispose(): void } {
  const state = { timedOut: false, aborted: false, dispose };
  const timer = setTimeout(() => {
    state.timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const onAbort = () => {
    state.aborted = true;
    child.kill('SIGKILL');
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  function dispose(): void {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
  return state;
}

/** Why an FFmpeg run that did not exit 0 failed: aborted, timed out, or its exit status with the tail of its stderr. */
export function ffmpegExitError(what: string, exit: { code: number | null; signal: NodeJS.Signals | null }, watch: { timedOut: boolean; aborted: boolean }, stderr: string, timeoutMs: number): DualrecError {
  const tail = stderrTail(stderr);
  if (watch.aborted) return new DualrecError('ffmpeg.aborted', `${what}: aborted`);
  if (watch.timedOut) return new DependencyError('ffmpeg.timeout', `${what}: ffmpeg did not finish within ${Math.round(timeoutMs / 1000)} s and was killed${tail ? `; stderr: ${tail}` : ''}`);
  const how = exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal}`;
  return new DependencyError('ffmpeg.failed', `${what}: ffmpeg failed (${how})${tail ? `: ${tail}` : ' without a message'}`);
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
