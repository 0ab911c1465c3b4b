import type { FfmpegFeature } from '../../../platform/ffmpeg-lists.js';
import { linuxCameras, linuxMics, linuxScreens, type Found } from './discover-linux.js';
import { macDevices, windowsDevices } from './discover-other.js';
import { realSystem, type DeviceSystem } from './system.js';
import type { CapturePlatform, DeviceDiscovery } from './types.js';

export interface DiscoverOptions {
  /** Environment to read DISPLAY from; default process.env. */
  env?: { DISPLAY?: string | undefined };
  /** What the FFmpeg binary has (from ffmpegFeatures); hides screens it cannot grab. */
  has?: Partial<Record<FfmpegFeature, boolean>>;
  system?: DeviceSystem;
}

/**
 * Lists the cameras, microphones and screens this machine offers through the chosen FFmpeg, with
 * device ids ready for the booth config. Never throws for a missing tool or device: what could
 * not be looked at becomes a note. Takes a few seconds at most (each probe has a 10 s timeout).
 */
export async function discoverDevices(ffmpeg: string, platform: CapturePlatform, opts: DiscoverOptions = {}): Promise<DeviceDiscovery> {
  const sys = opts.system ?? realSystem;
  const env = opts.env ?? process.env;
  let parts: Found[];
  if (platform === 'linux') parts = await Promise.all([linuxCameras(sys, ffmpeg), linuxMics(sys), linuxScreens(sys, ffmpeg, env.DISPLAY)]);
  else if (platform === 'win32') parts = [await windowsDevices(sys, ffmpeg, opts.has ?? {})];
  else parts = [await macDevices(sys, ffmpeg)];
  return { platform, devices: parts.flatMap((p) => p.devices), notes: parts.flatMap((p) => p.notes) };
}
