import { describe, expect, it } from 'vitest';
import { parseBoothConfig } from '../../../src/booth/config.js';
import { applyFleetSettings } from '../../../src/booth/fleet/settings.js';
import { ValidationError } from '../../../src/core/errors.js';

const base = parseBoothConfig({ dataDir: '/var/lib/dualrec', capture: { camera: 'v4l2:/dev/video0', segmentSeconds: 4 }, vault: { warnFreeBytes: 5e9, refuseFreeBytes: 2e9, stopFreeBytes: 1e9 } });

describe('applyFleetSettings', () => {
  it('maps each remote setting onto the booth config and leaves the rest as the booth has it', () => {
    const { config, languages } = applyFleetSettings(base, {
      devices: { mic: 'alsa:default' },
      segmentSeconds: 2,
      qualityPreset: 'standard',
      diskFloors: { warnFreeBytes: 6e9 },
      bandwidth: { uploadBytesPerSec: 50_000, updateBytesPerSec: 10_000 },
      languages: ['en', 'zh-CN'],
      updateChannel: 'pilot',
    });
    expect(config.capture).toMatchObject({ camera: 'v4l2:/dev/video0', mic: 'alsa:default', segmentSeconds: 2, width: 1280, height: 720, fps: 15, crf: 26, preset: 'veryfast' });
    expect(config.vault).toMatchObject({ warnFreeBytes: 6e9, refuseFreeBytes: 2e9, stopFreeBytes: 1e9 });
    expect(config.sync.maxBytesPerSec).toBe(50_000);
    expect(languages).toEqual(['en', 'zh-CN']);
    expect({ ...config, capture: base.capture, vault: base.vault, sync: base.sync }).toEqual(base);
  });

  it('nothing set: the booth config unchanged', () => {
    expect(applyFleetSettings(base, {})).toEqual({ config: base, languages: null });
  });

  it('a null upload cap removes the booth cap', () => {
    const capped = parseBoothConfig({ sync: { maxBytesPerSec: 9999 } });
    expect(applyFleetSettings(capped, { bandwidth: { uploadBytesPerSec: null } }).config.sync.maxBytesPerSec).toBeNull();
  });

  it('refuses a result the booth config would refuse, naming the booth field, and applies none of it', () => {
    const attempt = () => applyFleetSettings(base, { segmentSeconds: 3, diskFloors: { refuseFreeBytes: 9e9 } });
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(/vault\.refuseFreeBytes: must not exceed vault\.warnFreeBytes/);
    expect(() => applyFleetSettings(base, { devices: { camera: 'v4l2:' } })).toThrow(/capture\.camera/);
  });
});
