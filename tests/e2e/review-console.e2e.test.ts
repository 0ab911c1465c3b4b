// The review console in Debian's Chromium against a real server and a real booth: the booth records
// a short session through the kiosk flow (fake camera looping a customer's photo, fake microphone
// speaking the confirmation), the archive finalizes it and the machine review queues it; a reviewer
// signs in (the heartbeat gets the item assigned), opens it, clicks a timeline entry that seeks the
// player, tries to reject without a reason (a clear error, nothing sent), then rejects with one; a
// supervisor signs in, samples the period and overturns the rejection; the audit log holds both.
// Before that, the supervisor's live page shows the session while it records, with its latest
// screenshot. Needs `npm run build` first (the server serves out/renderer at /ui/). Screenshots
// of every page go to test-results/review-console/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditList } from '../../src/protocol/evidence-api.js';
import { ReviewSessionDetail, type ReviewStatus } from '../../src/protocol/review.js';
import { launchChromium } from '../helpers/browser.js';
import { writeCheckMedia } from '../helpers/check-media.js';
import { kioskConfig, walkFlow } from '../helpers/kiosk.js';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';
import { KWS_MODEL_DIR } from '../helpers/speech.js';
import { staffLogin } from '../helpers/staff.js';

const RESULTS = join(import.meta.dirname, '..', '..', 'test-results', 'review-console');
const BRANCH = 'br-review';
const DISCLOSURE_SEC = 3;

const media = mkdtempSync(join(tmpdir(), 'dualrec-review-console-e2e-'));
let stack: Stack;
let browser: Browser;
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  await writeCheckMedia(media);
  stack = await startStack({
    segmentSeconds: 2,
    branchId: BRANCH,
    // The workflow's sweep assigns at once; the machine's speech pass uses the booth's KWS model.
    server: { review: { sweepMs: 200 }, machineReview: { kwsModelDir: KWS_MODEL_DIR } },
    booth: {
      capture: { fake: { cameraImage: join(media, 'a.jpg'), micAudio: join(media, 'confirm.wav') } },
      // The product's confirmation is what the fake microphone says, so the machine hears it.
      kiosk: kioskConfig(DISCLOSURE_SEC, {
        products: [{ productId: 'demo-fund-001', name: { zh: '稳健理财', en: 'Basic plan' }, riskLevel: 'R3', disclosure: { generate: { seconds: DISCLOSURE_SEC } }, phrases: [{ id: 'buy', text: '我确认购买', en: 'I confirm the purchase' }] }],
      }),
    },
  });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  rmSync(media, { recursive: true, force: true });
});

async function signIn(page: Page, username: string, password: string, ok = true): Promise<void> {
  if (page.url() === 'about:blank') {
    page.on('pageerror', (err) => pageErrors.push(`${username}: ${err.message}`));
    await page.goto(`${stack.serverUrl}/ui/console/review/`);
  }
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', password);
  await page.click('form[data-testid="login"] button[type="submit"]');
  await page.getByTestId(ok ? 'tab-sessions' : 'error').waitFor();
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(RESULTS, `${name}.png`), fullPage: true });

describe('review console', () => {
  it('a reviewer seeks the player from the timeline and rejects; a supervisor overturns; the audit log shows both', async () => {
    const reviewer = await staffLogin(stack.server, { roles: ['reviewer'], branches: [BRANCH], username: 'rev-li' });
    const supervisor = await staffLogin(stack.server, { roles: ['supervisor'], branches: [BRANCH], username: 'sup-wang' });

    // ---- the supervisor watches the booth record (live page) ----
    const sp = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await signIn(sp, supervisor.username, supervisor.password);
    await sp.getByTestId('tab-live').click();
    await sp.getByTestId('live-empty').waitFor();
    const card = sp.locator('[data-testid="live"] li[data-session]');
    // After the disclosure the booth keeps recording while the live page is watched, until the
    // microphone has spoken the confirmation (at about 7.5 s of confirm.wav) and a few seconds more.
    const sessionId = await walkFlow(stack.booth, undefined, async () => {
      const since = Date.now();
      // The sampler's first screenshot (at 0 s) shows up on the live page while the booth records.
      await card.locator('img, [data-testid="live-shot-error"]').first().waitFor({ timeout: 30_000 });
      await expect.poll(() => card.locator('img').count(), { timeout: 15_000 }).toBe(1);
      await shot(sp, '0-supervisor-live');
      await new Promise((r) => setTimeout(r, Math.max(0, 8000 - (Date.now() - since))));
    });
    expect(await card.getAttribute('data-session')).toBe(sessionId);
    await waitFor(async () => (await stack.booth.state()).session?.phase === 'archived', 90_000, 'the session to be archived');
    const detail = async (): Promise<ReviewSessionDetail> => {
      const res = await stack.server.http.inject({ method: 'GET', url: `/api/v1/review/sessions/${sessionId}`, headers: supervisor.headers });
      expect(res.statusCode, res.body).toBe(200);
      return ReviewSessionDetail.parse(res.json());
    };
    let last: ReviewStatus | null = null;
    const status = async (): Promise<ReviewStatus> => (last = (await detail()).item.status);
    // The machine review runs after finalize; needs_review / fail queue the item for a person.
    await waitFor(async () => (await status()) === 'queued', 150_000, () => `the item to be queued (it is ${last})`);

    // ---- the reviewer ----
    const rp = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // A wrong password is refused with the server's message, and the form stays.
    await signIn(rp, reviewer.username, 'not the password', false);
    expect(await rp.getByTestId('error').textContent()).toMatch(/password|credentials|invalid/i);
    await signIn(rp, reviewer.username, reviewer.password);
    await rp.getByTestId('online').waitFor();
    expect(await rp.locator('html').getAttribute('lang')).toBe('zh-CN');
    const row = rp.locator(`tr[data-session="${sessionId}"]`);
    await expect
      .poll(async () => {
        await rp.getByTestId('search').click();
        return row.count();
      }, { timeout: 20_000 })
      .toBe(1);
    expect(await row.getByTestId('status').textContent()).toBe('待审核');
    await shot(rp, '1-reviewer-queue');

    await row.getByTestId('open-session').click();
    await rp.getByTestId('timeline').waitFor();
    const player = rp.getByTestId('player');
    type Media = { readyState: number; currentTime: number; seeking: boolean };
    await expect.poll(() => player.evaluate((v) => (v as unknown as Media).readyState), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    const ended = rp.locator('button.entry', { has: rp.locator('[title="disclosureEnded"]') });
    const at = Number(await ended.getAttribute('data-at'));
    expect(at).toBeGreaterThan(DISCLOSURE_SEC - 1);
    await ended.click();
    await expect.poll(() => player.evaluate((v) => (v as unknown as Media).currentTime), { timeout: 10_000 }).toBeCloseTo(at, 1);
    await expect.poll(() => player.evaluate((v) => !(v as unknown as Media).seeking && (v as unknown as Media).readyState >= 2), { timeout: 10_000 }).toBe(true);
    // The screenshots came through the token-authenticated route as blob: URLs.
    await expect.poll(() => rp.locator('[data-testid="screenshots"] img').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await rp.locator('[data-testid="screenshots"] img').first().getAttribute('src')).toMatch(/^blob:/);
    await rp.getByTestId('report').locator('h3').first().waitFor();
    // The machine's face pass (chart) and speech pass (what was heard) are on the page.
    await rp.getByTestId('face-chart').waitFor();
    await rp.getByTestId('speech-facts').waitFor();
    await shot(rp, '2-reviewer-session');

    // A rejection without a reason is refused in the form, and nothing reaches the server.
    await rp.check('input[name="decision"][value="reject"]');
    await rp.getByTestId('submit-decision').click();
    expect(await rp.getByTestId('decision-error').textContent()).toContain('至少选择一个原因');
    expect(await status()).toBe('assigned');
    await shot(rp, '3-reviewer-decision-error');

    await rp.check('input[name="reasons"][value="confirmation_unclear"]');
    await rp.fill('textarea[name="comment"]', '客户确认语速过快，听不清');
    await rp.getByTestId('submit-decision').click();
    await expect.poll(() => rp.getByTestId('session-status').textContent(), { timeout: 10_000 }).toBe('已驳回');
    await rp.getByTestId('decision-done').waitFor();
    expect((await detail()).item).toMatchObject({ status: 'rejected', outcome: 'rejected' });
    await shot(rp, '4-reviewer-rejected');

    // ---- the supervisor ----
    await sp.getByTestId('lang').click();
    expect(await sp.locator('html').getAttribute('lang')).toBe('en');
    await sp.getByTestId('tab-supervision').click();
    await sp.selectOption('select[name="rate"]', '1');
    await sp.getByTestId('load-period').click();
    const sampled = sp.locator(`[data-testid="sample"] tr[data-session="${sessionId}"]`);
    await sampled.waitFor({ timeout: 10_000 });
    await sp.getByTestId('throughput-chart').waitFor();
    await sampled.getByTestId('overturn').click();
    expect(await sampled.getByTestId('check-error').textContent()).toContain('comment');
    await sampled.locator('input[name="check-comment"]').fill('The confirmation is clear at normal speed; accept.');
    await sampled.getByTestId('overturn').click();
    await expect.poll(() => sampled.getByTestId('checked').textContent(), { timeout: 10_000 }).toContain('Overturned');
    await expect.poll(() => sp.locator('[data-reviewer="rev-li"] [data-col="overturned"]').textContent(), { timeout: 10_000 }).toBe('1');
    expect((await detail()).item).toMatchObject({ status: 'accepted', outcome: 'accepted' });
    await shot(sp, '5-supervisor-overturned');

    // The supervisor opens the session: the decision and its overturn are listed.
    await sampled.locator('a').first().click();
    await sp.getByTestId('check-line').waitFor();
    expect(await sp.getByTestId('check-line').textContent()).toContain('Overturned');
    await shot(sp, '6-supervisor-session');

    // A session that does not exist (or is out of scope) says so.
    await sp.goto(`${stack.serverUrl}/ui/console/review/#/sessions/00000000-0000-4000-8000-000000000000`);
    await sp.getByTestId('session-error').waitFor();
    expect(await sp.getByTestId('session-error').textContent()).toContain('00000000-0000-4000-8000-000000000000');

    // ---- the audit log ----
    const res = await stack.server.http.inject({ method: 'GET', url: `/api/v1/audit?target=session:${sessionId}&limit=1000`, headers: supervisor.headers });
    expect(res.statusCode, res.body).toBe(200);
    const entries = AuditList.parse(res.json()).entries;
    const decide = entries.find((e) => e.action === 'review.decide');
    const check = entries.find((e) => e.action === 'supervision.check');
    expect(decide?.actor).toBe(`staff:${reviewer.principal.staffId}`);
    expect(check?.actor).toBe(`staff:${supervisor.principal.staffId}`);
    expect(check!.seq).toBeGreaterThan(decide!.seq);
    expect(JSON.stringify(check!.details)).toContain('overturned');
    expect(pageErrors).toEqual([]);
  }, 400_000);
});
