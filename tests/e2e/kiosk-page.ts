// Driving the kiosk page like a customer and a staff member would (Playwright, Debian Chromium),
// with a screenshot of each step in test-results/kiosk/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Booth } from '../../src/booth/booth.js';
import { archiveKeys } from '../../src/server/archive/archiver.js';
import { SessionManifest } from '../../src/protocol/envelope.js';
import type { FlowStep } from '../../src/protocol/kiosk-flow.js';
import type { Stack } from '../helpers/stack.js';
import { STAFF_PIN } from '../helpers/kiosk.js';

export const SHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'kiosk');
mkdirSync(SHOTS, { recursive: true });

export class KioskPage {
  private n = 0;
  constructor(
    readonly page: Page,
    private readonly name: string,
  ) {}

  id(testId: string) {
    return this.page.getByTestId(testId);
  }

  async shot(what: string): Promise<void> {
    this.n++;
    await this.page.screenshot({ path: join(SHOTS, `${this.name}-${String(this.n).padStart(2, '0')}-${what}.png`) });
  }

  async atStep(step: FlowStep, timeout = 30_000): Promise<void> {
    await this.page.waitForSelector(`.kiosk[data-step="${step}"]`, { timeout });
  }

  async open(url: string, step: FlowStep = 'attract'): Promise<void> {
    await this.page.goto(`${url}/kiosk/index.html`);
    await this.page.waitForSelector(`.kiosk[data-ready="true"][data-step="${step}"]`, { timeout: 20_000 });
  }

  async type(value: string): Promise<void> {
    for (const ch of value) {
      if (/[A-Z]/.test(ch) && (await this.id(`key-${ch}`).count()) === 0) await this.id('key-ABC').click();
      if (/[0-9]/.test(ch) && (await this.id(`key-${ch}`).count()) === 0) await this.id('key-123').click();
      await this.id(`key-${ch}`).click();
    }
  }

  /** Opens the staff overlay and enters the PIN (if it is locked). */
  async staff(): Promise<void> {
    if ((await this.id('staff-overlay').count()) === 0) await this.id('staff-button').click();
    await this.id('staff-overlay').waitFor();
    if ((await this.id('pin-OK').count()) > 0) {
      for (const d of STAFF_PIN) await this.id(`pin-${d}`).click();
      await this.id('pin-OK').click();
    }
  }

  async staffDo(testId: string): Promise<void> {
    await this.staff();
    await this.id(testId).click();
    await this.id('staff-overlay').waitFor({ state: 'detached' });
  }

  async sign(): Promise<void> {
    const box = (await this.id('signature-pad').boundingBox())!;
    const m = this.page.mouse;
    await m.move(box.x + box.width * 0.15, box.y + box.height * 0.6);
    await m.down();
    for (let i = 1; i <= 12; i++) await m.move(box.x + box.width * (0.15 + i * 0.05), box.y + box.height * (0.6 - 0.25 * Math.sin(i / 2)), { steps: 2 });
    await m.up();
  }

  /** Waits until the disclosure has played past `percent` (for a screenshot mid-play). */
  async disclosurePast(percent: number): Promise<void> {
    await expect.poll(async () => Number(await this.id('disclosure-progress').getAttribute('data-value')), { timeout: 20_000, interval: 100 }).toBeGreaterThanOrEqual(percent);
  }
}

/** The session the booth's flow is recording (or syncing). */
export function flowSession(booth: Booth): string {
  const id = booth.kiosk.view().flow?.sessionId;
  if (!id) throw new Error('the flow has no session');
  return id;
}

export async function archivedManifest(stack: Stack, sessionId: string): Promise<SessionManifest> {
  const record = JSON.parse((await stack.server.archive.store.get(archiveKeys(sessionId).record)).toString('utf8')) as { manifest: unknown };
  return SessionManifest.parse(record.manifest);
}

const AMBIENT = new Set(['languageChanged', 'staffUnlocked', 'staffLocked', 'staffPinRejected', 'faultRaised']);

/** The timeline's steps without the events that may come at any time (staff unlocking, faults). */
export function steps(m: SessionManifest): string[] {
  return (m.timeline ?? []).map((e) => e.event.type).filter((t) => !AMBIENT.has(t));
}
