// The kiosk UI in browser mode against a real server and booth (fake lavfi capture): start a
// session, watch it record and seal segments, stop it, and see it archived. Needs `npm run build`
// first (the booth's bridge serves out/renderer). Screenshots go to test-results/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { startStack } from '../helpers/stack.js';

const RESULTS = join(import.meta.dirname, '..', '..', 'test-results');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let stack: Awaited<ReturnType<typeof startStack>>;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const byTestId = (id: string) => page.getByTestId(id);
const number = async (id: string): Promise<number> => Number(await byTestId(id).textContent());

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  stack = await startStack({ segmentSeconds: 2 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (err) => pageErrors.push(err.message));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('kiosk in browser mode', () => {
  it('records a session, stops it and shows it archived', async () => {
    await page.goto(`${stack.bridgeUrl}/kiosk/index.html`);
    await expect.poll(() => byTestId('link-status').getAttribute('data-up'), { timeout: 15_000 }).toBe('true');
    await expect.poll(() => byTestId('booth-name').textContent()).not.toBe('—');
    expect(await byTestId('product-input').inputValue()).toBe('demo-fund-001');
    await page.waitForSelector('[data-testid="start-button"]:not([disabled])', { timeout: 30_000 });
    expect(await byTestId('stop-button').isDisabled()).toBe(true);

    await byTestId('start-button').click();
    await page.waitForSelector('[data-testid="phase-badge"][data-phase="recording"]', { timeout: 30_000 });
    await expect.poll(() => number('segments-sealed'), { timeout: 30_000, interval: 250 }).toBeGreaterThanOrEqual(2);

    expect(await byTestId('phase-badge').textContent()).toContain('录制中');
    expect(await byTestId('start-button').isDisabled()).toBe(true);
    expect(await byTestId('stop-button').isEnabled()).toBe(true);
    expect(await byTestId('session-id').textContent()).toMatch(UUID);
    expect(await byTestId('session-product').textContent()).toBe('demo-fund-001');
    expect(await number('media-seconds')).toBeGreaterThan(0);
    expect(await byTestId('error-banner').count()).toBe(0);
    // The live camera preview (FFmpeg's MJPEG tap relayed by the bridge) shows real frames.
    await expect
      .poll(() => byTestId('camera-preview').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth), { timeout: 10_000, interval: 250 })
      .toBe(320);
    // The live recorder status (bytes written by FFmpeg, refreshed every second).
    await expect.poll(async () => Number.parseFloat((await byTestId('bytes-written').textContent()) ?? '0'), { timeout: 10_000, interval: 250 }).toBeGreaterThan(0);
    await page.screenshot({ path: join(RESULTS, 'kiosk-recording.png') });

    await byTestId('stop-button').click();
    await page.waitForSelector('[data-testid="phase-badge"][data-phase="archived"]', { timeout: 60_000 });

    const badge = (await byTestId('phase-badge').textContent()) ?? '';
    expect(badge).toContain('已归档');
    expect(badge).toContain('Archived');
    const sealed = await number('segments-sealed');
    expect(sealed).toBeGreaterThanOrEqual(2);
    expect(await number('segments-acknowledged')).toBe(sealed);
    expect(await number('sync-pending')).toBe(0);
    expect(await byTestId('sync-online').getAttribute('data-online')).toBe('true');
    expect(await byTestId('start-button').isEnabled()).toBe(true);
    expect(await byTestId('stop-button').isDisabled()).toBe(true);
    expect(await byTestId('error-banner').count()).toBe(0);
    expect(await byTestId('session-error').count()).toBe(0);
    await page.screenshot({ path: join(RESULTS, 'kiosk-archived.png') });

    expect(pageErrors).toEqual([]);
  }, 150_000);
});
