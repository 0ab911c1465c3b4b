// The kiosk page is only a view of the booth's flow: a reloaded page (as after a renderer crash,
// which the Electron shell answers with a reload) comes back at the same step, a disclosure cut
// short plays again from the start, an idle kiosk returns to the attract screen, and a wrong ID
// number is explained. Browser mode, Debian Chromium, real booth and server.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FlowInput } from '../../src/protocol/kiosk-flow.js';
import { KIOSK_BROWSER_ARGS, launchChromium } from '../helpers/browser.js';
import { kioskConfig } from '../helpers/kiosk.js';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';
import { archivedManifest, flowSession, KioskPage, steps } from './kiosk-page.js';

let stack: Stack;
let browser: Browser;
let k: KioskPage;

beforeAll(async () => {
  stack = await startStack({ segmentSeconds: 2, booth: { kiosk: kioskConfig(3, { idleResetSec: 5 }) } });
  browser = await launchChromium(KIOSK_BROWSER_ARGS);
  k = new KioskPage(await browser.newPage({ viewport: { width: 1280, height: 800 } }), 'resilience');
  await k.open(stack.bridgeUrl);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

it('explains a wrong ID number, and returns to the attract screen when left idle', async () => {
  await k.id('start-customer').click();
  await k.atStep('identify');
  await k.type('110105194912310021'); // check character wrong
  await k.id('id-submit').click();
  await expect.poll(() => k.id('id-notice').textContent()).toContain('号码格式不正确');
  await k.shot('identify-invalid');
  await k.atStep('attract', 15_000);
  expect(stack.booth.kiosk.view().flow).toBeNull();
});

it('comes back at the same step after a reload, and replays a disclosure cut short', async () => {
  await k.id('start-customer').click();
  await k.atStep('identify');
  await k.id('id-tab-tellerCode').click();
  await k.type('T0001');
  await k.id('id-submit').click();
  await k.atStep('product');
  await k.page.reload();
  await k.atStep('product');
  await k.id('product-demo-fund-001').click();
  await k.id('mode-self').click();
  await k.atStep('faceCheck');
  await k.staffDo('staff-face-pass');
  await k.atStep('disclosure');
  await k.disclosurePast(40);
  await k.page.reload();
  await k.atStep('disclosure');
  await waitFor(async () => stack.booth.kiosk.view().flow?.disclosure.playing, 5000, 'the disclosure to play again');
  await k.atStep('confirmation', 20_000);
  await k.staffDo('staff-speech-pass');
  await k.atStep('summary');
  await k.staff();
  await k.id('staff-reason-other').click();
  await k.id('staff-abort-confirm').click();
  await k.atStep('sync');
  const sessionId = flowSession(stack.booth);
  await k.atStep('attract', 15_000); // the idle timer also ends the sync screen; sync goes on
  await waitFor(async () => (await stack.booth.state()).session?.phase === 'archived', 60_000, 'the session to be archived');

  const m = await archivedManifest(stack, sessionId);
  expect(steps(m)).toEqual([
    'flowStarted', 'customerIdentified', 'productChosen', 'modeChosen', 'recordingStarted', 'faceChecked',
    'disclosureStarted', 'disclosureStarted', 'disclosureEnded', 'speechChecked', 'staffAborted',
  ]);
  const ended = m.timeline!.find((e) => e.event.type === 'disclosureEnded')!.event as Extract<FlowInput, { type: 'disclosureEnded' }>;
  expect(ended.watchedSec).toBeGreaterThanOrEqual(2.7); // the part before the reload does not count
});
