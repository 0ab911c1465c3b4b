// The fleet console page in Debian's Chromium against a real server and a real booth (fake lavfi
// capture): an admin signs in, creates an enrollment code, a booth enrolls with it, its heartbeat
// shows up, the admin changes its config, and the applied version comes back from the booth.
// Needs `npm run build` first (the server serves out/renderer at /ui/). Screenshots go to test-results/.
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Booth } from '../../src/booth/booth.js';
import { parseBoothConfig } from '../../src/booth/config.js';
import { readAppVersion } from '../../src/booth/fleet/app-version.js';
import { createLogger } from '../../src/platform/log.js';
import { parseServerConfig } from '../../src/server/config.js';
import { Server } from '../../src/server/server.js';
import { launchChromium } from '../helpers/browser.js';
import { ensureBranches, staffLogin } from '../helpers/staff.js';

const RESULTS = join(import.meta.dirname, '..', '..', 'test-results');
const level = () => process.env.DUALREC_LOG_LEVEL ?? 'silent';

let dir: string;
let server: Server;
let url: string;
let booth: Booth | null = null;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  dir = await mkdtemp(join(tmpdir(), 'dualrec-fleet-e2e-'));
  server = await Server.create(parseServerConfig({ dataDir: join(dir, 'server'), port: 0 }), { log: createLogger('server', level()) });
  url = await server.listen();
  await ensureBranches(server, ['sh-pudong-01', 'bj-chaoyang-02']);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 860 } });
  page.on('pageerror', (err) => pageErrors.push(err.message));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await booth?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const row = () => page.locator('tr[data-booth="pudong-booth-1"]');

describe('fleet console', () => {
  it('enrolls a booth, shows its heartbeat, changes its config and sees the applied version', async () => {
    const admin = await staffLogin(server, { roles: ['admin'], branches: '*', username: 'it-admin' });
    await page.goto(`${url}/ui/console/fleet/`);
    await page.fill('input[name="username"]', admin.username);
    await page.fill('input[name="password"]', admin.password);
    await page.click('form[data-testid="login"] button[type="submit"]');
    await page.waitForSelector('[data-testid="booths"]');

    await page.selectOption('select[name="code-branch"]', 'sh-pudong-01');
    await page.getByTestId('create-code').click();
    const code = (await page.getByTestId('code').textContent())!.trim();
    expect(code).toMatch(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){3}$/);

    // The booth is set up with the code, as IT would on site.
    booth = await Booth.create(
      parseBoothConfig({
        name: 'pudong-booth-1',
        dataDir: join(dir, 'booth'),
        server: { url, enrollmentCode: code },
        bridge: { enabled: false },
        capture: { screen: 'none' },
        fleet: { configPollMs: 300, idleQuietSec: 0 },
        sync: { pollMs: 100, statusEveryMs: 500 },
      }),
      { log: createLogger('booth', level()) },
    );
    await row().waitFor({ timeout: 20_000 });
    await expect.poll(() => row().getByTestId('version').textContent(), { timeout: 20_000 }).toBe(readAppVersion());
    expect(await row().getByTestId('state').textContent()).toBe('online');
    expect(await row().getByTestId('heartbeat').textContent()).toMatch(/^\d+ s ago$/);
    expect(await row().locator('td').nth(1).textContent()).toBe('sh-pudong-01');
    expect(await row().getByTestId('config').textContent()).toBe('local');

    await row().click();
    await page.getByTestId('panel').waitFor();
    await page.fill('input[name="segmentSeconds"]', '3');
    await page.selectOption('select[name="qualityPreset"]', 'standard');
    await page.fill('input[name="uploadKiBps"]', '512');
    await page.getByTestId('save-config').click();
    const saved = Number((await page.getByTestId('saved').textContent())!.replace(/\D/g, ''));
    expect(saved).toBeGreaterThan(0);
    await expect.poll(() => row().getByTestId('config').textContent(), { timeout: 20_000 }).toBe(`v${saved} applied`);
    expect(await page.getByTestId('applied').textContent()).toBe(`desired v${saved}, applied v${saved}`);
    expect(booth.fleet.effective.config.capture).toMatchObject({ segmentSeconds: 3, width: 1280, height: 720 });
    expect(booth.fleet.effective.config.sync.maxBytesPerSec).toBe(512 * 1024);

    // The filters narrow the list.
    await page.selectOption('select[name="branch"]', 'bj-chaoyang-02');
    await expect.poll(() => page.locator('tr[data-booth]').count()).toBe(0);
    await page.selectOption('select[name="branch"]', 'sh-pudong-01');
    await expect.poll(() => page.locator('tr[data-booth]').count()).toBe(1);
    await page.screenshot({ path: join(RESULTS, 'fleet-console.png') });
    expect(await page.getByTestId('error').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
