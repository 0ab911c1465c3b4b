import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// electron-builder.yml is checked with electron-builder's own loader and schema validator (the
// packaging itself needs downloads, which the build machines cannot make).
const require = createRequire(import.meta.url);
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  getConfig(projectDir: string, configPath: string, options: null): Promise<Record<string, unknown>>;
  validateConfiguration(config: unknown, logger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

const ROOT = resolve(import.meta.dirname, '../../..');

interface Config {
  appId: string;
  asarUnpack: string[];
  files: Array<{ filter: string[] }>;
  linux: { target: string[] };
  win: { target: string[] };
  publish: { provider: string; url: string };
}

describe('electron-builder.yml', () => {
  it('passes electron-builder validation and names the kiosk targets, unpacked payloads and update feed', async () => {
    const config = (await getConfig(ROOT, 'electron-builder.yml', null)) as unknown as Config;
    await validateConfiguration(config, new DebugLogger(false));
    expect(config.appId).toBe('com.dualrec.booth');
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['node_modules/@ffmpeg-installer/**', 'node_modules/better-sqlite3/**/*.node', 'resources/models/**']));
    expect(config.files.flatMap((f) => f.filter)).toEqual(expect.arrayContaining(['out/**', 'dist/**']));
    // The fleet's update feed (issue 10); each booth points its updater at its own server at run time.
    expect(config.publish).toMatchObject({ provider: 'generic', url: expect.stringMatching(/\/api\/v1\/booth\/update-feed$/) as string });
  }, 30_000);
});
