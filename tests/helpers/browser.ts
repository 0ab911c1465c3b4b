import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, headless, with the flags this offline machine needs (see ENVIRONMENT.md). */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

/** The kiosk plays the risk disclosure without a click, as Electron's kiosk window does (autoplayPolicy). */
export const KIOSK_BROWSER_ARGS = ['--autoplay-policy=no-user-gesture-required'];
