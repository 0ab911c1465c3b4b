import { ValidationError } from '../../../core/errors.js';
import { BACKENDS, type Backend, type CapturePlatform, type DeviceChoice, type DeviceId, type DeviceRole } from './types.js';

/** Matches `fake`, `none` and `<backend>:<name>`; used by the booth config schema. */
export const DEVICE_CHOICE_PATTERN = new RegExp(`^(fake|none|(${BACKENDS.join('|')}):.+)$`);

/** Which backends serve which role on which platform. */
const ALLOWED: Record<CapturePlatform, Record<DeviceRole, readonly Backend[]>> = {
  linux: { camera: ['v4l2'], mic: ['pulse', 'alsa'], screen: ['x11grab'] },
  win32: { camera: ['dshow'], mic: ['dshow'], screen: ['gdigrab', 'ddagrab'] },
  darwin: { camera: ['avfoundation'], mic: ['avfoundation'], screen: ['avfoundation'] },
};

/** Per backend: what a device name must look like (FFmpeg's -i syntax would misread others). */
const NAME_RULES: Record<Backend, { test: RegExp; hint: string }> = {
  v4l2: { test: /^\/dev\/[\w./-]+$/, hint: 'a /dev path such as /dev/video0' },
  pulse: { test: /^[\w.:@-]+$/, hint: 'a PulseAudio source name such as default' },
  alsa: { test: /^[\w:,=.-]+$/, hint: 'an ALSA PCM such as default or plughw:CARD=PCH,DEV=0' },
  x11grab: { test: /^[A-Za-z0-9.-]*:\d+(\.\d+)?$/, hint: 'an X display such as :0 or :0.0' },
  // dshow and avfoundation join video and audio as `video=A:audio=B` / `A:B`, so no colon.
  dshow: { test: /^[^:"]+$/, hint: 'a DirectShow device name without ":" or quotes' },
  gdigrab: { test: /^(desktop|title=.+)$/, hint: 'desktop or title=<window title>' },
  ddagrab: { test: /^\d{1,2}$/, hint: 'a monitor index such as 0' },
  avfoundation: { test: /^[^:]+$/, hint: 'an AVFoundation device name or index without ":"' },
};

export interface ParsedDevice {
  backend: Backend;
  name: string;
}

export function deviceId(backend: Backend, name: string): DeviceId {
  return `${backend}:${name}`;
}

/**
 * Splits and checks a configured device for a role on a platform. Returns null for `fake` and
 * `none`. Throws ValidationError naming `field` when the backend does not serve the role there
 * or the name cannot be passed to FFmpeg safely.
 */
export function parseDeviceChoice(choice: DeviceChoice, role: DeviceRole, platform: CapturePlatform, field: string): ParsedDevice | null {
  if (choice === 'fake' || choice === 'none') return null;
  const at = choice.indexOf(':');
  const backend = choice.slice(0, at) as Backend;
  const name = choice.slice(at + 1);
  if (at < 0 || !BACKENDS.includes(backend)) {
    throw new ValidationError('capture.device_invalid', `${field}: "${choice}" is not fake, none or <backend>:<name> (backends: ${BACKENDS.join(', ')})`);
  }
  const allowed = ALLOWED[platform][role];
  if (!allowed.includes(backend)) {
    throw new ValidationError('capture.device_invalid', `${field}: ${backend} cannot be the ${role} on ${platform} (use ${allowed.join(' or ')})`);
  }
  const rule = NAME_RULES[backend];
  if (!rule.test.test(name)) throw new ValidationError('capture.device_invalid', `${field}: "${name}" is not ${rule.hint}`);
  return { backend, name };
}
