// FFmpeg's stdout as an async iterable (platform/ffmpeg-stream.ts), on the real binary: records
// of a fixed size, stderr lines, failure with the reason, abort, and breaking out early.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fixedRecords, ffmpegStdout } from '../../src/platform/ffmpeg-stream.js';
import { resolveFfmpeg } from '../../src/platform/ffmpeg.js';
import { probeMedia } from '../../src/platform/probe.js';

const gray = ['-f', 'lavfi', '-i', 'testsrc2=s=64x48:r=10:d=2', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'];

describe('ffmpegStdout', () => {
  it('yields the output as fixed-size records, and each stderr line', async () => {
    const ff = await resolveFfmpeg();
    const lines: string[] = [];
    let frames = 0;
    for await (const f of fixedRecords(ffmpegStdout(ff, ['-v', 'info', ...gray.slice(0, 4), '-vf', 'showinfo', ...gray.slice(4)], { what: 'test', timeoutMs: 30_000, onStderrLine: (l) => lines.push(l) }), 64 * 48)) {
      expect(f.length).toBe(64 * 48);
      frames++;
    }
    expect(frames).toBe(20);
    expect(lines.filter((l) => /pts_time:/.test(l))).toHaveLength(20);
  });

  it('fails naming what it did and why', async () => {
    const ff = await resolveFfmpeg();
    const run = async () => {
      for await (const chunk of ffmpegStdout(ff, ['-v', 'error', '-i', '/nonexistent/file.mp4', '-f', 'null', 'pipe:1'], { what: 'decode a missing file', timeoutMs: 30_000 })) void chunk;
    };
    await expect(run()).rejects.toMatchObject({ code: 'ffmpeg.failed', message: expect.stringMatching(/^decode a missing file: ffmpeg failed \(exit code \d+\): .*No such file/) });
  });

  it('stops when aborted, and when the consumer breaks out', async () => {
    const ff = await resolveFfmpeg();
    const endless = ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=64x48:r=10', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'];
    const abort = new AbortController();
    const run = async () => {
      let n = 0;
      for await (const chunk of ffmpegStdout(ff, endless, { what: 'endless', timeoutMs: 30_000, signal: abort.signal })) if (++n === 3 && chunk.length > 0) abort.abort();
    };
    await expect(run()).rejects.toMatchObject({ code: 'ffmpeg.aborted' });
    let n = 0;
    for await (const chunk of ffmpegStdout(ff, endless, { what: 'endless', timeoutMs: 30_000 })) if (++n === 3 && chunk.length > 0) break;
    expect(n).toBe(3);
    await expect(async () => {
      for await (const chunk of ffmpegStdout(ff, endless, { what: 'endless', timeoutMs: 300 })) void chunk;
    }).rejects.toMatchObject({ code: 'ffmpeg.timeout' });
  });
});

describe('probeMedia', () => {
  it('is killed when aborted', async () => {
    const ff = await resolveFfmpeg();
    const dir = await mkdtemp(join(tmpdir(), 'dualrec-probe-'));
    try {
      // A named pipe nobody writes to: ffprobe waits on it forever.
      const fifo = join(dir, 'never.ts');
      await promisify(execFile)('mkfifo', [fifo]);
      const abort = new AbortController();
      const probing = probeMedia(ff, fifo, { signal: abort.signal });
      setTimeout(() => abort.abort(), 200);
      await expect(probing).rejects.toMatchObject({ code: 'ffmpeg.aborted' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
