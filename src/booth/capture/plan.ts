import { DependencyError } from '../../core/errors.js';
import { capturePlatform } from '../../platform/ffmpeg-lists.js';
import type { CaptureConfig } from '../config.js';
import { buildInputArgs } from './devices/input-args.js';
import { selectionFromConfig } from './devices/selection.js';
import type { DeviceSelection, InputPlan } from './devices/types.js';

function platform() {
  const p = capturePlatform();
  if (!p) throw new DependencyError('capture.platform', `capture is not supported on ${process.platform}`);
  return p;
}

function selection(cfg: CaptureConfig, withScreen: boolean): DeviceSelection {
  const sel = selectionFromConfig(cfg, platform(), process.env);
  return withScreen ? sel : { ...sel, screen: { ...sel.screen, device: 'none' } };
}

/**
 * The FFmpeg inputs for this booth's configured devices on this platform; `withScreen` false
 * drops the screen (after screen capture failed). Throws ValidationError naming the bad field.
 */
export function captureInputPlan(cfg: CaptureConfig, withScreen: boolean): InputPlan {
  return buildInputArgs(platform(), selection(cfg, withScreen));
}

/** One line for staff: which camera, microphone and screen the booth records. */
export function describeCapture(cfg: CaptureConfig): string {
  const s = selection(cfg, true);
  const parts = [`camera ${s.camera.device}`, `mic ${s.mic.device}`];
  if (s.screen.device !== 'none') parts.push(`screen ${s.screen.device}`);
  return parts.join(' + ');
}
