// The kiosk while the archive is unreachable: a session records and seals locally, the sync screen
// says the recording waits on the booth, the network banner and the backlog bar show, and once the
// server is back the backlog drains and the session is archived. Real server, booth, FFmpeg and
// Debian Chromium; the flow is driven through the booth API, the page only watches.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KIOSK_BROWSER_ARGS, launchChromium } from '../helpers/browser.js';
import { kioskConfig, walkFlow } from '../helpers/kiosk.js';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';
import { KioskPage } from './kiosk-page.js';

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  stack = await startStack({ segmentSeconds: 2, booth: { kiosk: kioskConfig(2), sync: { backoffMaxMs: 1000, requestTimeoutMs: 2000 } } });
  browser = await launchChromium(KIOSK_BROWSER_ARGS);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

it('shows the upload backlog while the archive is away and drains it when it returns', async () => {
  await stack.stopServer();
  await walkFlow(stack.booth, async () => {
    await waitFor(async () => ((await stack.booth.state()).session?.segmentsSealed ?? 0) >= 2, 30_000, 'sealed segments');
  });
  // The page opens on the flow's sync screen (it only watches; the flow was driven above).
  const k = new KioskPage(await browser.newPage({ viewport: { width: 1280, height: 800 } }), 'backlog');
  await k.open(stack.bridgeUrl, 'sync');
  await k.page.waitForSelector('[data-testid="sync-status"][data-archived="false"]');
  await k.id('banner-offline').waitFor({ timeout: 20_000 });
  await k.id('backlog').waitFor({ timeout: 10_000 });
  expect((await stack.booth.state()).sync.pendingSegments).toBeGreaterThanOrEqual(3);
  await k.shot('sync-offline');
  await k.staff();
  expect(await k.id('staff-sync').getAttribute('data-online')).toBe('false');
  await k.shot('staff-backlog');
  await k.id('staff-close').click();

  await stack.restartServer();
  await k.page.waitForSelector('[data-testid="sync-status"][data-archived="true"]', { timeout: 90_000 });
  await expect.poll(() => k.id('backlog').count(), { timeout: 10_000 }).toBe(0);
  expect(await k.id('banner-offline').count()).toBe(0);
  expect((await stack.booth.state()).sync).toMatchObject({ online: true, pendingSegments: 0 });
  await k.shot('sync-drained');
});
