import { spawn } from 'node:child_process';
import { DependencyError, DualrecError } from '../core/errors.js';
import type { FfmpegInfo } from './ffmpeg.js';
import { ffmpegExitError, killOnTimeoutOrAbort } from './ffmpeg-run.js';

export interface FfmpegStreamOptions {
  /** What the run does, for error messages. */
  what: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Each complete line FFmpeg writes on stderr (with `-v info`: filter logs such as showinfo). */
  onStderrLine?: (line: string) => void;
}

/**
 * Runs FFmpeg writing its output on stdout (`pipe:1`) and yields stdout as it comes, with back
 * pressure (FFmpeg waits while the consumer works). Ends when FFmpeg exits 0; throws
 * DependencyError naming `what`, the exit status and the tail of stderr otherwise, or DualrecError
 * `ffmpeg.aborted` when `signal` aborts. Breaking out of the loop kills FFmpeg.
 */
export async function* ffmpegStdout(ff: FfmpegInfo, args: readonly string[], opts: FfmpegStreamOptions): AsyncGenerator<Buffer> {
  if (opts.signal?.aborted) throw new DualrecError('ffmpeg.aborted', `${opts.what}: aborted before it started`);
  const child = spawn(ff.ffmpeg, ['-hide_banner', '-nostdin', '-nostats', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  let partial = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-4000);
    if (!opts.onStderrLine) return;
    const lines = (partial + chunk).split(/\r?\n/);
    partial = lines.pop() ?? '';
    for (const l of lines) opts.onStderrLine(l);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.on('error', (error) => resolve({ code: null, signal: null, error }));
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  const watch = killOnTimeoutOrAbort(child, opts.timeoutMs, opts.signal);
  let finished = false;
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    const r = await exited;
    if (partial && opts.onStderrLine) opts.onStderrLine(partial);
    finished = true;
    if (r.error) throw new DependencyError('ffmpeg.missing', `${opts.what}: cannot run ${ff.ffmpeg}: ${r.error.message}`, undefined, { cause: r.error });
    if (r.code !== 0) throw ffmpegExitError(opts.what, r, watch, tail, opts.timeoutMs);
  } finally {
    watch.dispose();
    if (!finished) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}

/** Cuts a byte stream into fixed-size records (raw video frames, PCM windows). */
export async function* fixedRecords(chunks: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let buf: Buffer = Buffer.alloc(0);
  for await (const c of chunks) {
    buf = buf.length === 0 ? c : Buffer.concat([buf, c]);
    while (buf.length >= size) {
      yield Buffer.from(buf.subarray(0, size));
      buf = buf.subarray(size);
    }
  }
}
