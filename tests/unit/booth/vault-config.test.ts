import { describe, expect, it } from 'vitest';
import { parseBoothConfig } from '../../../src/booth/config.js';

describe('booth vault and sync config', () => {
  it('has safe defaults: no quota, warn > refuse > stop, a week of retention, no bandwidth cap', () => {
    const c = parseBoothConfig({});
    expect(c.vault).toMatchObject({ quotaBytes: null, warnFreeBytes: 2 * 1024 ** 3, refuseFreeBytes: 1024 ** 3, stopFreeBytes: 256 * 1024 ** 2, retentionHours: 168, checkEveryMs: 2000 });
    expect(c.sync).toMatchObject({ parallelSessions: 2, maxBytesPerSec: null, uploadFailingAfterSec: 600, statusEveryMs: 30_000 });
  });

  it('names the bad field', () => {
    expect(() => parseBoothConfig({ vault: { quotaBytes: -1 } })).toThrow(/vault\.quotaBytes/);
    expect(() => parseBoothConfig({ vault: { warnFreeBytes: 10, refuseFreeBytes: 20, stopFreeBytes: 5 } })).toThrow(/vault\.refuseFreeBytes: must not exceed vault\.warnFreeBytes/);
    expect(() => parseBoothConfig({ vault: { warnFreeBytes: 30, refuseFreeBytes: 20, stopFreeBytes: 25 } })).toThrow(/vault\.stopFreeBytes: must not exceed vault\.refuseFreeBytes/);
    expect(() => parseBoothConfig({ sync: { maxBytesPerSec: 10 } })).toThrow(/sync\.maxBytesPerSec: sync\.maxBytesPerSec must be at least 1024/);
    expect(() => parseBoothConfig({ sync: { parallelSessions: 0 } })).toThrow(/sync\.parallelSessions/);
    expect(() => parseBoothConfig({ vault: { retention: 1 } })).toThrow(/retention/);
  });
});
