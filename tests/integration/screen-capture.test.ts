// Screen capture through x11grab from a real Xvfb (Debian package xvfb), with the camera as
// picture-in-picture, through the whole path to the archive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeMedia } from '../../src/platform/probe.js';
import { verifyArchivedSession } from '../../src/server/archive/verify.js';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';
import { startXvfb, type Xvfb } from '../helpers/xvfb.js';

let xvfb: Xvfb;
let stack: Stack;
let display = '';

beforeAll(async () => {
  xvfb = await startXvfb(800, 600);
  display = xvfb.display;
  stack = await startStack({ segmentSeconds: 2, booth: { capture: { screen: 'x11', display } } });
});

afterAll(async () => {
  await stack?.close();
  xvfb?.close();
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
