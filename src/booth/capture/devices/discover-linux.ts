import { deviceId } from './device-id.js';
import { parseArecordList, parsePactlSources, parseProbedVideoSize, parseProcAsound, parseV4l2Formats, parseXdpyinfo, type AlsaCapture } from './parse-linux.js';
import type { DeviceSystem } from './system.js';
import type { DiscoveredDevice } from './types.js';

export interface Found {
  devices: DiscoveredDevice[];
  notes: string[];
}

const lastLine = (text: string) => text.trim().split(/\r?\n/).pop()?.trim() ?? '';

export async function linuxCameras(sys: DeviceSystem, ffmpeg: string): Promise<Found> {
  const nodes = sys.listDir('/dev').filter((n) => /^video\d+$/.test(n)).sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  const found: Found = { devices: [], notes: [] };
  if (nodes.length === 0) {
    found.notes.push('no camera: there is no /dev/video* (plug in a UVC camera; in a container pass --device /dev/video0); until then keep capture.camera "fake"');
  }
  for (const node of nodes) {
    const path = `/dev/${node}`;
    const label = sys.readText(`/sys/class/video4linux/${node}/name`)?.trim() || node;
    const r = await sys.run(ffmpeg, ['-hide_banner', '-f', 'v4l2', '-list_formats', 'all', '-i', path]);
    const formats = r ? parseV4l2Formats(r.stderr) : [];
    if (formats.length === 0) {
      // UVC cameras expose a second, metadata-only node; permissions also end here.
      found.notes.push(`${path} (${label}) lists no capture formats: ${r ? lastLine(r.stderr) || 'no output' : 'ffmpeg did not run'}`);
      continue;
    }
    const modes = formats.map((f) => `${f.format}${f.emulated ? ' (emulated)' : ''} ${f.sizes.join(' ')}`.trim());
    found.devices.push({ role: 'camera', id: deviceId('v4l2', path), backend: 'v4l2', label, modes });
  }
  return found;
}

function alsaDevices(cards: AlsaCapture[]): DiscoveredDevice[] {
  return cards.map((c) => ({ role: 'mic', id: deviceId('alsa', `plughw:CARD=${c.cardId},DEV=${c.device}`), backend: 'alsa', label: c.label, modes: [] }));
}

export async function linuxMics(sys: DeviceSystem): Promise<Found> {
  const found: Found = { devices: [], notes: [] };
  const pactl = await sys.run('pactl', ['list', 'short', 'sources']);
  if (pactl === null) found.notes.push('pactl not found: PulseAudio/PipeWire sources not listed (Debian: apt-get install pulseaudio-utils)');
  else if (pactl.code !== 0) found.notes.push(`no PulseAudio/PipeWire server answered: ${lastLine(pactl.stderr) || `pactl exit ${pactl.code}`}`);
  else {
    const sources = parsePactlSources(pactl.stdout).filter((s) => !s.monitor);
    if (sources.length > 0) found.devices.push({ role: 'mic', id: deviceId('pulse', 'default'), backend: 'pulse', label: 'default source of the sound server', modes: [] });
    for (const s of sources) found.devices.push({ role: 'mic', id: deviceId('pulse', s.name), backend: 'pulse', label: s.name, modes: [`${s.sampleSpec} ${s.state}`] });
  }
  const arecord = await sys.run('arecord', ['-l']);
  let cards: AlsaCapture[];
  if (arecord && arecord.code === 0) cards = parseArecordList(arecord.stdout);
  else {
    const procCards = sys.readText('/proc/asound/cards');
    const pcm = sys.readText('/proc/asound/pcm');
    cards = procCards && pcm ? parseProcAsound(procCards, pcm) : [];
    if (!procCards) found.notes.push('no ALSA sound card (/proc/asound is missing: no sound driver, or a container without /dev/snd)');
  }
  found.devices.push(...alsaDevices(cards));
  if (found.devices.length === 0) found.notes.push('no microphone found; until one is attached keep capture.mic "fake"');
  return found;
}

export async function linuxScreens(sys: DeviceSystem, ffmpeg: string, display: string | undefined): Promise<Found> {
  const found: Found = { devices: [], notes: [] };
  if (!display) {
    found.notes.push('DISPLAY is not set: no X screen to record (run the booth inside the X session, or set capture.display)');
    return found;
  }
  const base = display.replace(/\.\d+$/, '');
  const xdpy = await sys.run('xdpyinfo', ['-display', display]);
  const screens = xdpy && xdpy.code === 0 ? parseXdpyinfo(xdpy.stdout) : [];
  for (const s of screens) {
    found.devices.push({ role: 'screen', id: deviceId('x11grab', `${base}.${s.screen}`), backend: 'x11grab', label: `X display ${base} screen ${s.screen}`, modes: [`${s.width}x${s.height}`] });
  }
  if (screens.length > 0) return found;
  // No xdpyinfo (x11-utils): open the display with x11grab for one frame instead.
  const probe = await sys.run(ffmpeg, ['-hide_banner', '-f', 'x11grab', '-i', display, '-frames:v', '1', '-f', 'null', '-']);
  const size = probe ? parseProbedVideoSize(probe.stderr) : null;
  if (size) found.devices.push({ role: 'screen', id: deviceId('x11grab', display), backend: 'x11grab', label: `X display ${display}`, modes: [`${size.width}x${size.height}`] });
  else found.notes.push(`cannot open X display ${display}: ${probe ? lastLine(probe.stderr) : 'ffmpeg did not run'}`);
  return found;
}
