import { ValidationError } from '../../../core/errors.js';
import type { CaptureConfig } from '../../config.js';
import type { CapturePlatform, DeviceChoice, DeviceSelection } from './types.js';

/** Environment the `auto` screen depends on. */
export interface ScreenEnv {
  DISPLAY?: string | undefined;
}

/** What `capture.screen` means on a platform, resolved to a concrete choice. Pure. */
export function resolveScreen(cfg: Pick<CaptureConfig, 'screen' | 'display'>, platform: CapturePlatform, env: ScreenEnv): DeviceChoice {
  if (cfg.screen !== 'auto' && cfg.screen !== 'x11') return cfg.screen;
  if (platform === 'linux') {
    const display = cfg.display ?? (env.DISPLAY || undefined);
    if (display) return `x11grab:${display}`;
    if (cfg.screen === 'x11') throw new ValidationError('capture.no_display', 'capture.screen is "x11" but no X display is configured (capture.display) or set (DISPLAY)');
    return 'none';
  }
  if (cfg.screen === 'x11') throw new ValidationError('capture.device_invalid', `capture.screen: x11 is Linux only; on ${platform} use auto or a device id`);
  return platform === 'win32' ? 'gdigrab:desktop' : 'avfoundation:Capture screen 0';
}

/** The device selection a booth config asks for on a platform (see buildInputArgs). Pure. */
export function selectionFromConfig(cfg: CaptureConfig, platform: CapturePlatform, env: ScreenEnv): DeviceSelection {
  const camera: DeviceSelection['camera'] = { device: cfg.camera, width: cfg.width, height: cfg.height, fps: cfg.fps };
  if (cfg.cameraFormat) camera.inputFormat = cfg.cameraFormat;
  if (cfg.fake.cameraSeconds) camera.fakeSeconds = cfg.fake.cameraSeconds;
  if (cfg.fake.pattern !== 'testsrc') camera.fakePattern = cfg.fake.pattern;
  if (cfg.fake.cameraImage) camera.fakeImage = cfg.fake.cameraImage;
  const mic: DeviceSelection['mic'] = { device: cfg.mic };
  if (cfg.fake.micAudio) mic.fakeAudio = cfg.fake.micAudio;
  return {
    camera,
    mic,
    screen: { device: resolveScreen(cfg, platform, env), fps: cfg.fps },
  };
}
