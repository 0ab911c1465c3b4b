// The kiosk while the archive is unreachable: the session records and seals locally, the sync
// card shows the link down and an upload backlog, and once the server is back the backlog bar
// drains and the session is archived. Real server, booth, FFmpeg and Debian Chromium.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { startStack, type Stack } from '../helpers/stack.js';

const RESULTS = join(import.meta.dirname, '..', '..', 'test-results');
let stack: Stack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  stack = await startStack({ segmentSeconds: 2, booth: { sync: { backoffMaxMs: 1000, requestTimeoutMs: 2000 } } });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

it('shows the upload backlog while the archive is away and drains it when it returns', async () => {
  await page.goto(`${stack.bridgeUrl}/kiosk/index.html`);
  await expect.poll(() => page.getByTestId('link-status').getAttribute('data-up'), { timeout: 15_000 }).toBe('true');
  await stack.stopServer();
  await page.getByTestId('start-button').click();
  await page.waitForSelector('[data-testid="phase-badge"][data-phase="recording"]', { timeout: 30_000 });
  await expect.poll(async () => Number(await page.getByTestId('segments-sealed').textContent()), { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
  await page.getByTestId('stop-button').click();
  await page.waitForSelector('[data-testid="phase-badge"][data-phase="syncing"]', { timeout: 30_000 });
  await expect.poll(() => page.getByTestId('sync-online').getAttribute('data-online'), { timeout: 20_000 }).toBe('false');
  await page.getByTestId('backlog').waitFor({ timeout: 10_000 });
  expect(Number(await page.getByTestId('sync-pending').textContent())).toBeGreaterThanOrEqual(3);
  await page.screenshot({ path: join(RESULTS, 'kiosk-backlog.png') });

  await stack.restartServer();
  await page.waitForSelector('[data-testid="phase-badge"][data-phase="archived"]', { timeout: 90_000 });
  await expect.poll(() => page.getByTestId('backlog').count(), { timeout: 10_000 }).toBe(0);
  expect(await page.getByTestId('sync-pending').textContent()).toBe('0');
  expect(await page.getByTestId('sync-online').getAttribute('data-online')).toBe('true');
});
