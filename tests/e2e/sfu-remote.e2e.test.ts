// Remote assistance end to end: a real server with a mediasoup worker, a real booth (fake camera and
// microphone, the screen is an Xvfb display) and Debian's Chromium. The booth publishes its FFmpeg
// capture into the reserved room; the kiosk view (headed Chromium on the booth's screen) receives
// the remote staff member; the staff console page (headless Chromium, fake camera showing a
// magenta picture and a fake microphone) joins through the invitation link after login. Both
// sides decode frames; the archived recording contains the staff video (magenta on the recorded
// screen); a reviewer joins receive-only; a disk fault on the booth appears on the staff page
// within 1 s; wrong and expired invitations are refused with a clear message. Needs `npm run build`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reservation } from '../../src/protocol/sfu.js';
import { readSessionView } from '../../src/server/ingest/views.js';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';
import { invite, reserve } from '../helpers/sfu.js';
import { staffLogin } from '../helpers/staff.js';
import { startXvfb, type Xvfb } from '../helpers/xvfb.js';

const RESULTS = join(import.meta.dirname, '..', '..', 'test-results');
const BASE_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'];
const W = 960;
const H = 540;

let xvfb: Xvfb;
let stack: Stack;
let tmp: string;
let staffBrowser: Browser;
let kioskBrowser: Browser;
let room: Reservation;
let staff: Awaited<ReturnType<typeof staffLogin>>;
let reviewer: Awaited<ReturnType<typeof staffLogin>>;
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  tmp = await mkdtemp(join(tmpdir(), 'dualrec-sfu-e2e-'));
  // The staff member's fake camera: a magenta picture with a moving box, easy to find in the recording.
  const y4m = join(tmp, 'staff.y4m');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'color=c=0xff00ff:s=640x480:r=15,drawbox=x=t*40:y=200:w=80:h=80:c=white:t=fill', '-t', '3', '-pix_fmt', 'yuv420p', y4m]);
  xvfb = await startXvfb(W, H);
  stack = await startStack({
    segmentSeconds: 2,
    server: { sfu: { enabled: true, workers: 1, rtcMinPort: 47300, rtcMaxPort: 47399 } },
    booth: { capture: { screen: 'x11', display: xvfb.display, pipWidth: 192 }, remote: { enabled: true, width: 640, height: 360, fps: 15, bitrate: 500_000 } },
  });
  staff = await staffLogin(stack.server, { roles: ['remote_staff', 'booth_staff'], branches: '*' });
  reviewer = await staffLogin(stack.server, { roles: ['reviewer'], branches: '*' });
  room = await reserve(stack.server, staff.headers, stack.booth.boothId!, { startsAt: new Date().toISOString(), durationMinutes: 30 });
  staffBrowser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', ...BASE_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`],
  });
  kioskBrowser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: false,
    env: { ...process.env, DISPLAY: xvfb.display },
    args: [...BASE_ARGS, '--kiosk', '--window-position=0,0', `--window-size=${W},${H}`],
  });
}, 180_000);

afterAll(async () => {
  await staffBrowser?.close();
  await kioskBrowser?.close();
  await stack?.close();
  xvfb?.close();
  await rm(tmp, { recursive: true, force: true });
});

async function consolePage(hash: string, who: { username: string; password: string }): Promise<Page> {
  const page = await staffBrowser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(`${stack.serverUrl}/console/remote/#${hash}`);
  await page.getByTestId('username').fill(who.username);
  await page.getByTestId('password').fill(who.password);
  await page.getByTestId('login-button').click();
  return page;
}

const framesDecoded = (page: Page) => page.evaluate(() => (globalThis as unknown as { dualrecRemote: { framesDecoded(): Promise<number> } }).dualrecRemote.framesDecoded());

/** Mean RGB of the centre of the recorded screen at `t` seconds of the archived MP4. */
function centreColour(mp4: string, t: number): [number, number, number] {
  const raw = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-ss', String(t), '-i', mp4, '-frames:v', '1', '-vf', `crop=${W / 4}:${H / 4}:${(3 * W) / 8}:${(3 * H) / 8},scale=1:1:flags=area`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
  return [raw[0]!, raw[1]!, raw[2]!];
}

describe('remote assistance over the SFU', () => {
  it('refuses a wrong and an expired invitation with a clear message', async () => {
    const inv = await invite(stack.server, staff.headers, room.reservationId);
    const wrong = await consolePage(`room=${room.roomId}&invite=${inv.invitationId}.${'A'.repeat(43)}`, staff);
    await expect.poll(() => wrong.getByTestId('error').textContent(), { timeout: 15_000 }).toMatch(/not valid/);
    await wrong.close();

    const old = await invite(stack.server, staff.headers, room.reservationId, { ttlMinutes: 1 });
    await stack.server.archive.db
      .withTables<{ sfu_invitations: { invitation_id: string; expires_at: string } }>()
      .updateTable('sfu_invitations')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('invitation_id', '=', old.invitationId)
      .execute();
    const expired = await consolePage(old.path.split('#')[1]!, staff);
    await expect.poll(() => expired.getByTestId('error').textContent(), { timeout: 15_000 }).toMatch(/expired at .* ask for a new link/);
    await expired.screenshot({ path: join(RESULTS, 'sfu-invitation-expired.png') });
    await expired.close();
  });

  it('booth and staff receive each other, a reviewer watches, a fault arrives within 1 s, and the recording contains the staff video', async () => {
    const { sessionId } = (await stack.booth.handle({ type: 'startSession', productId: 'demo-fund-001' })) as { sessionId: string };
    const kiosk = await kioskBrowser.newPage({ viewport: null });
    kiosk.on('pageerror', (err) => pageErrors.push(err.message));
    const kioskLog: string[] = [];
    kiosk.on('console', (m) => kioskLog.push(m.text()));
    await kiosk.goto(`${stack.bridgeUrl}/kiosk/remote.html`);
    await expect.poll(() => kiosk.getByTestId('remote-state').getAttribute('data-state'), { timeout: 30_000, message: `kiosk console: ${kioskLog.join(' | ')}` }).toBe('joined');

    const inv = await invite(stack.server, staff.headers, room.reservationId);
    const page = await consolePage(inv.path.split('#')[1]!, staff);
    await expect.poll(() => page.getByTestId('conn-state').getAttribute('data-state'), { timeout: 30_000 }).toBe('connected');
    expect(await page.getByTestId('room-topic').textContent()).toBe(room.topic);

    // Each side decodes the other's video.
    await expect.poll(() => framesDecoded(page), { timeout: 30_000, interval: 500 }).toBeGreaterThan(15);
    await expect.poll(() => framesDecoded(kiosk), { timeout: 30_000, interval: 500 }).toBeGreaterThan(15);
    await expect.poll(() => page.getByTestId('rec-bytes').textContent(), { timeout: 10_000 }).toMatch(/^[1-9]\d*$/);
    // The staff camera arrives as three simulcast layers (the SFU picks one per receiver's link).
    const live = await stack.server.sfu.describeRoom(room.roomId);
    const staffCam = live?.peers.find((p) => p.role === 'staff')?.producers.find((p) => p.source === 'camera');
    expect(staffCam?.layers).toBe(3);
    expect(live?.peers.find((p) => p.role === 'booth')?.producers.map((p) => p.source).sort()).toEqual(['camera', 'mic']);

    // A reviewer joins receive-only.
    const watch = await consolePage(`room=${room.roomId}&as=monitor`, reviewer);
    await expect.poll(() => watch.getByTestId('conn-state').getAttribute('data-state'), { timeout: 30_000 }).toBe('connected');
    await expect.poll(() => framesDecoded(watch), { timeout: 30_000, interval: 500 }).toBeGreaterThan(5);
    expect(await watch.evaluate(() => (globalThis as unknown as { dualrecRemote: { role: string } }).dualrecRemote.role)).toBe('monitor');
    expect(await watch.getByTestId('self-video').evaluate((v) => (v as unknown as { srcObject: unknown }).srcObject)).toBeNull();

    // A disk fault on the booth reaches the staff page (and the monitor) within a second.
    const raisedAt = Date.now();
    stack.booth.faults.raise({ kind: 'disk.write_error', severity: 'critical', message: 'the vault disk refused a write', sessionId });
    const item = page.locator('[data-testid="faults"] li[data-kind="disk.write_error"]');
    await item.waitFor({ timeout: 5000 });
    const receivedAt = Number(await item.getAttribute('data-received-at'));
    expect(receivedAt - raisedAt).toBeLessThan(1000);
    await watch.locator('[data-testid="faults"] li[data-kind="disk.write_error"]').waitFor({ timeout: 5000 });
    stack.booth.faults.clear('disk.write_error', sessionId);
    await page.screenshot({ path: join(RESULTS, 'sfu-staff-console.png') });
    await kiosk.screenshot({ path: join(RESULTS, 'sfu-kiosk-remote.png') });

    // Record a few seconds with the staff member on the kiosk screen, then stop and archive.
    await new Promise((r) => setTimeout(r, 4000));
    await stack.booth.handle({ type: 'stopSession' });
    const view = await waitFor(async () => {
      const v = await readSessionView(stack.server.archive.db, sessionId).catch(() => null);
      return v?.status === 'archived' || v?.status === 'failed' ? v : null;
    }, 120_000, 'the session to be archived');
    expect(view.status).toBe('archived');
    const mp4 = stack.server.archive.store.localPath(view.archive!.mp4Path)!;
    const duration = view.archive!.durationSec;
    const samples = [0.5, 0.7, 0.9].map((f) => centreColour(mp4, duration * f));
    const magenta = samples.filter(([r, g, b]) => r > 150 && b > 150 && g < 110);
    expect(magenta.length, `centre colours ${JSON.stringify(samples)}`).toBeGreaterThanOrEqual(2);
    // Control: before the kiosk showed anyone, the centre of the recorded screen was not magenta.
    const [r0, g0, b0] = centreColour(mp4, 0.2);
    expect(r0 > 150 && b0 > 150 && g0 < 110, `first frame centre ${[r0, g0, b0]}`).toBe(false);
    // The server kept a backup copy of the staff camera (VP8 in WebM, no re-encoding).
    await page.close();
    const dir = join(stack.server.config.dataDir, 'sfu-recordings', room.roomId);
    const camera = await waitFor(async () => readdirSync(dir).find((f) => f.endsWith('-camera.webm')), 15_000, 'the staff camera recording');
    await expect.poll(() => countFrames(join(dir, camera)), { timeout: 15_000, interval: 1000 }).toBeGreaterThan(30);
    expect(pageErrors).toEqual([]);
  });
});

function countFrames(file: string): number {
  try {
    const out = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,nb_read_frames', '-of', 'csv=p=0', file]).toString().trim();
    const [codec, frames] = out.split(',');
    return codec === 'vp8' ? Number(frames) : 0;
  } catch {
    return 0;
  }
}
