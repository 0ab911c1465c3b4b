// `dualrec doctor` on this machine: the real FFmpeg binaries, a real Xvfb screen, whatever cameras
// and sound cards the machine has (the build machine has none), and the built CLI.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInputArgs } from '../../src/booth/capture/devices/input-args.js';
import { doctorReport, formatDoctorReport, type DoctorFfmpeg } from '../../src/cli/commands/doctor.js';
import { waitFor } from '../helpers/stack.js';

const run = promisify(execFile);
const BIN = new URL('../../bin/dualrec.cjs', import.meta.url).pathname;
const bundled = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
let xvfb: ChildProcess;
let display = '';

beforeAll(async () => {
  xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x720x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  let out = '';
  (xvfb.stdio[3] as Readable).on('data', (c: Buffer) => (out += c.toString()));
  const n = await waitFor(async () => (/^\d+\n/.test(out) ? out.trim() : null), 10_000, 'Xvfb to choose a display');
  display = `:${n}`;
  await waitFor(async () => existsSync(`/tmp/.X11-unix/X${n}`), 10_000, `Xvfb on ${display}`);
});

afterAll(() => {
  xvfb?.kill();
});

describe('dualrec doctor', () => {
  it('reports the system FFmpeg with every feature Linux needs, and the Xvfb screen', async () => {
    const r = await doctorReport({ env: { DISPLAY: display } });
    expect(r.ffmpeg).toMatchObject({ path: '/usr/bin/ffmpeg', source: 'system', ffprobe: '/usr/bin/ffprobe', missing: [] });
    const ff = r.ffmpeg as DoctorFfmpeg;
    expect(ff.version).toMatch(/^\d+\.\d+/);
    expect(ff.has).toMatchObject({ x11grab: true, v4l2: true, pulse: true, libx264: true, segment: true, mpegts: true, scale2ref: true, dshow: false });
    expect(r.ok).toBe(true);
    const screens = r.devices!.devices.filter((d) => d.role === 'screen');
    expect(screens).toEqual([{ role: 'screen', id: `x11grab:${display}.0`, backend: 'x11grab', label: `X display ${display} screen 0`, modes: ['1280x720'] }]);
    // Cameras can only be v4l2 nodes that exist; without any, the report says so.
    const nodes = readdirSync('/dev').filter((n) => /^video\d+$/.test(n));
    for (const cam of r.devices!.devices.filter((d) => d.role === 'camera')) expect(nodes.map((n) => `v4l2:/dev/${n}`)).toContain(cam.id);
    if (nodes.length === 0) expect(r.devices!.notes.join('\n')).toMatch(/no \/dev\/video\*/);
    const text = formatDoctorReport(r).join('\n');
    expect(text).toContain(`ok   ffmpeg: ${ff.version} (system) at /usr/bin/ffmpeg`);
    expect(text).toContain(`screen x11grab:${display}.0  (X display ${display} screen 0; 1280x720)`);
    expect(text).toMatch(/doctor: this machine can record and archive$/);
  });

  it('says what the bundled 2018 build lacks', async () => {
    const r = await doctorReport({ ffmpegPath: bundled, env: { DISPLAY: display } });
    expect(r.ffmpeg).toMatchObject({ source: 'configured', ffprobe: null });
    expect((r.ffmpeg as DoctorFfmpeg).missing).toEqual([expect.objectContaining({ anyOf: ['pulse'], level: 'recommended' })]);
    expect(r.ok).toBe(false);
    expect(r.guidance.join('\n')).toMatch(/no ffprobe beside/);
    expect(r.guidance.join('\n')).toMatch(/recommended: pulse is missing/);
    // The old build still opens the screen: discovery ran through it.
    expect(r.devices!.devices.some((d) => d.id === `x11grab:${display}.0`)).toBe(true);
  });

  it('reports an unusable configured ffmpeg without throwing', async () => {
    const r = await doctorReport({ ffmpegPath: '/nonexistent/ffmpeg', env: {} });
    expect(r.ok).toBe(false);
    expect(r.ffmpeg).toEqual({ error: 'configured ffmpeg /nonexistent/ffmpeg is not an executable file' });
    expect(r.devices).toBeNull();
  });

  it('checks the devices a booth config selects against what it found', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dualrec-doctor-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ capture: { camera: 'fake', mic: 'fake', screen: 'auto', display } }));
    const r = await doctorReport({ configFile: good, env: {} });
    expect(r.configured).toEqual({ file: good, camera: 'fake', mic: 'fake', screen: `x11grab:${display}`, problems: [] });
    expect(r.ok).toBe(true);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ capture: { camera: 'v4l2:/dev/video97', mic: 'alsa:plughw:CARD=Nope,DEV=0', screen: 'auto' } }));
    const b = await doctorReport({ configFile: bad, env: { DISPLAY: display } });
    expect(b.configured!.problems).toEqual(['capture.camera v4l2:/dev/video97 was not found on this machine', 'capture.mic alsa:plughw:CARD=Nope,DEV=0 was not found on this machine']);
    expect(b.ok).toBe(false);
    expect(formatDoctorReport(b).join('\n')).toContain(`MISS configured devices: camera v4l2:/dev/video97, mic alsa:plughw:CARD=Nope,DEV=0, screen x11grab:${display} (${bad})`);
    const wrong = join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ capture: { camera: 'dshow:Integrated Camera' } }));
    expect((await doctorReport({ configFile: wrong, env: {} })).configured!.problems).toEqual(['capture.camera: dshow cannot be the camera on linux (use v4l2)']);
  });

  it('gives input args for the discovered screen that FFmpeg really opens', async () => {
    const r = await doctorReport({ env: { DISPLAY: display } });
    const screen = r.devices!.devices.find((d) => d.role === 'screen')!;
    const plan = buildInputArgs('linux', {
      camera: { device: 'fake', width: 320, height: 240, fps: 15 },
      mic: { device: 'fake' },
      screen: { device: screen.id, fps: 15 },
    });
    const { stderr } = await run('/usr/bin/ffmpeg', ['-hide_banner', ...plan.args, '-map', plan.screen!, '-map', plan.camera!, '-map', plan.mic!, '-t', '1', '-f', 'null', '-'], { timeout: 30_000 });
    expect(stderr).toMatch(/Input #0, x11grab/);
    expect(stderr).toMatch(/Stream #0:0: Video: rawvideo .* 1280x720/);
    expect(stderr).toMatch(/Input #1, lavfi/);
    expect(stderr).toMatch(/Output #0, null[\s\S]*Video[\s\S]*Video[\s\S]*Audio/);
  });

  it('runs as `node bin/dualrec.cjs doctor --json` after npm run build', async () => {
    expect(existsSync(new URL('../../dist/cli/main.js', import.meta.url)), 'dist/cli/main.js: run npm run build first').toBe(true);
    const { stdout } = await run(process.execPath, [BIN, 'doctor', '--json'], { timeout: 60_000, env: { ...process.env, DISPLAY: display } });
    const r = JSON.parse(stdout) as { ok: boolean; ffmpeg: { source: string; missing: unknown[] }; devices: { devices: Array<{ id: string }> } };
    expect(r.ok).toBe(true);
    expect(r.ffmpeg).toMatchObject({ source: 'system', missing: [] });
    expect(r.devices.devices.map((d) => d.id)).toContain(`x11grab:${display}.0`);
    const text = await run(process.execPath, [BIN, 'doctor'], { timeout: 60_000, env: { ...process.env, DISPLAY: '' } });
    expect(text.stdout).toMatch(/^ok {3}node: v\d+/);
    expect(text.stdout).toContain('note: DISPLAY is not set');
  });
});
