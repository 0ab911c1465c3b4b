import type { FfmpegFeature } from '../../../platform/ffmpeg-lists.js';
import { deviceId } from './device-id.js';
import type { Found } from './discover-linux.js';
import { parseAvfoundationDevices } from './parse-avfoundation.js';
import { parseDshowDevices } from './parse-dshow.js';
import type { DeviceSystem } from './system.js';

/** Windows: DirectShow cameras and microphones; the GDI desktop and Desktop Duplication monitor 0. */
export async function windowsDevices(sys: DeviceSystem, ffmpeg: string, has: Partial<Record<FfmpegFeature, boolean>>): Promise<Found> {
  const found: Found = { devices: [], notes: [] };
  const r = await sys.run(ffmpeg, ['-hide_banner', '-list_devices', 'true', '-f', 'dshow', '-i', 'dummy']);
  const listed = r ? parseDshowDevices(r.stderr) : [];
  if (!r) found.notes.push('ffmpeg did not run to list DirectShow devices');
  for (const d of listed) {
    // Two devices with one friendly name: only the alternative name tells them apart.
    const twins = listed.filter((o) => o.kind === d.kind && o.name === d.name).length > 1;
    const name = twins && d.alternativeName ? d.alternativeName : d.name;
    if (name.includes(':') || name.includes('"')) {
      found.notes.push(`DirectShow ${d.kind} device "${d.name}" has a name FFmpeg cannot take in video=/audio= syntax; rename it in Windows`);
      continue;
    }
    found.devices.push({ role: d.kind === 'video' ? 'camera' : 'mic', id: deviceId('dshow', name), backend: 'dshow', label: d.name, modes: [] });
  }
  if (has.gdigrab !== false) found.devices.push({ role: 'screen', id: deviceId('gdigrab', 'desktop'), backend: 'gdigrab', label: 'whole desktop (GDI)', modes: [] });
  if (has.ddagrab) found.devices.push({ role: 'screen', id: deviceId('ddagrab', '0'), backend: 'ddagrab', label: 'monitor 0 (Desktop Duplication, less CPU than GDI)', modes: [] });
  return found;
}

/** macOS: AVFoundation cameras, screens (`Capture screen N`) and microphones, by name. */
export async function macDevices(sys: DeviceSystem, ffmpeg: string): Promise<Found> {
  const found: Found = { devices: [], notes: [] };
  const r = await sys.run(ffmpeg, ['-hide_banner', '-f', 'avfoundation', '-list_devices', 'true', '-i', '']);
  if (!r) found.notes.push('ffmpeg did not run to list AVFoundation devices');
  for (const d of r ? parseAvfoundationDevices(r.stderr) : []) {
    // Names are stabler than indices across plugging; a name with ":" must go by index.
    const name = d.name.includes(':') ? String(d.index) : d.name;
    const role = d.kind === 'audio' ? 'mic' : d.screen ? 'screen' : 'camera';
    found.devices.push({ role, id: deviceId('avfoundation', name), backend: 'avfoundation', label: d.name, modes: [] });
  }
  if (found.devices.length > 0 && !found.devices.some((d) => d.role === 'camera')) {
    found.notes.push('no camera listed: grant the terminal or the booth app camera access in System Settings > Privacy & Security');
  }
  return found;
}
