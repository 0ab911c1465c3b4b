// Screen capture through x11grab from a real Xvfb (Debian package xvfb), with the camera as
// picture-in-picture, through the whole path to the archive.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeMedia } from '../../src/platform/probe.js';
import { verifyArchivedSession } from '../../src/server/archive/verify.js';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';

let xvfb: ChildProcess;
let stack: Stack;
let display = '';

beforeAll(async () => {
  // -displayfd: Xvfb picks a free display number and writes it to fd 3.
  xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '800x600x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  const fd3 = xvfb.stdio[3] as Readable;
  let out = '';
  fd3.on('data', (c: Buffer) => (out += c.toString()));
  const n = await waitFor(async () => (/^\d+\n/.test(out) ? out.trim() : null), 10_000, 'Xvfb to choose a display');
  display = `:${n}`;
  await waitFor(async () => existsSync(`/tmp/.X11-unix/X${n}`), 10_000, `Xvfb on ${display}`);
  stack = await startStack({ segmentSeconds: 2, booth: { capture: { screen: 'x11', display } } });
});

afterAll(async () => {
  await stack?.close();
  xvfb?.kill();
});

describe('screen capture', () => {
  it('records the whole X screen with the camera inset and archives it', async () => {
    expect((await stack.booth.state()).captureSource).toBe(`camera fake + mic fake + screen x11grab:${display}`);
    const { sessionId } = (await stack.booth.handle({ type: 'startSession', productId: 'demo-fund-001' })) as { sessionId: string };
    await waitFor(async () => ((await stack.booth.state()).session?.segmentsSealed ?? 0) >= 2, 30_000, 'two sealed segments');
    await stack.booth.handle({ type: 'stopSession' });
    await waitFor(async () => (await stack.booth.state()).session?.phase === 'archived', 60_000, 'archive');
    const report = await verifyArchivedSession(stack.server.archive, stack.server.ffmpeg, sessionId);
    expect(report.problems).toEqual([]);
    const probe = await probeMedia(stack.server.ffmpeg, report.recording.path!);
    expect(probe.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264' });
    const { execFileSync } = await import('node:child_process');
    const size = execFileSync(stack.server.ffmpeg.ffprobe!, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', report.recording.path!]).toString().trim();
    expect(size).toBe('800,600');
  });
});
