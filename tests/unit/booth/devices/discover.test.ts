import { describe, expect, it } from 'vitest';
import { discoverDevices } from '../../../../src/booth/capture/devices/discover.js';
import type { CommandResult, DeviceSystem } from '../../../../src/booth/capture/devices/system.js';
import { deviceFixture } from './fixture.js';

/** A machine described by command outputs and files; unknown commands are "not installed". */
function machine(commands: Record<string, CommandResult>, files: Record<string, string> = {}, dirs: Record<string, string[]> = {}): DeviceSystem & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    run: async (cmd, args) => {
      const key = [cmd, ...args].join(' ');
      calls.push(key);
      return commands[key] ?? null;
    },
    listDir: (p) => dirs[p] ?? [],
    readText: (p) => files[p] ?? null,
  };
}
const err = (stderr: string, code = 1): CommandResult => ({ stdout: '', stderr, code });
const ok = (stdout: string): CommandResult => ({ stdout, stderr: '', code: 0 });

describe('discoverDevices on Linux', () => {
  it('lists a UVC camera (not its metadata node), pulse and ALSA mics and both X screens', async () => {
    const sys = machine(
      {
        'ffmpeg -hide_banner -f v4l2 -list_formats all -i /dev/video0': err(deviceFixture('linux-v4l2-c920.txt')),
        'ffmpeg -hide_banner -f v4l2 -list_formats all -i /dev/video1': err(deviceFixture('linux-v4l2-metadata-node.txt')),
        'pactl list short sources': ok(deviceFixture('linux-pactl-short-sources.txt')),
        'arecord -l': ok(deviceFixture('linux-arecord-l.txt')),
        'xdpyinfo -display :77': ok(deviceFixture('linux-xdpyinfo-xvfb-2screens.txt')),
      },
      { '/sys/class/video4linux/video0/name': 'HD Pro Webcam C920\n', '/sys/class/video4linux/video1/name': 'HD Pro Webcam C920\n' },
      { '/dev': ['null', 'video1', 'video0', 'snd'] },
    );
    const d = await discoverDevices('ffmpeg', 'linux', { system: sys, env: { DISPLAY: ':77' } });
    expect(d.devices.map((x) => [x.role, x.id])).toEqual([
      ['camera', 'v4l2:/dev/video0'],
      ['mic', 'pulse:default'],
      ['mic', 'pulse:alsa_input.pci-0000_00_1f.3.analog-stereo'],
      ['mic', 'pulse:alsa_input.usb-046d_HD_Pro_Webcam_C920_8A4B1F2F-02.analog-stereo'],
      ['mic', 'alsa:plughw:CARD=PCH,DEV=0'],
      ['mic', 'alsa:plughw:CARD=C920,DEV=0'],
      ['screen', 'x11grab::77.0'],
      ['screen', 'x11grab::77.1'],
    ]);
    expect(d.devices[0]!.label).toBe('HD Pro Webcam C920');
    expect(d.devices[0]!.modes[1]).toMatch(/^mjpeg 640x480 .* 1920x1080$/);
    expect(d.devices.at(-1)!.modes).toEqual(['1920x1080']);
    expect(d.notes).toEqual(['/dev/video1 (HD Pro Webcam C920) lists no capture formats: /dev/video1: Inappropriate ioctl for device']);
  });

  it('explains an empty machine like the build machine: no camera, no sound, no display', async () => {
    const sys = machine({});
    const d = await discoverDevices('ffmpeg', 'linux', { system: sys, env: {} });
    expect(d.devices).toEqual([]);
    expect(d.notes.join('\n')).toMatch(/no \/dev\/video\*/);
    expect(d.notes.join('\n')).toMatch(/pactl not found/);
    expect(d.notes.join('\n')).toMatch(/\/proc\/asound is missing/);
    expect(d.notes.join('\n')).toMatch(/no microphone found/);
    expect(d.notes.join('\n')).toMatch(/DISPLAY is not set/);
  });

  it('falls back to /proc/asound without arecord and to an x11grab probe without xdpyinfo', async () => {
    const sys = machine(
      {
        'pactl list short sources': err('Connection failure: Connection refused'),
        'ffmpeg -hide_banner -f x11grab -i :77 -frames:v 1 -f null -': err(deviceFixture('linux-x11grab-probe.txt')),
      },
      { '/proc/asound/cards': deviceFixture('linux-proc-asound-cards.txt'), '/proc/asound/pcm': deviceFixture('linux-proc-asound-pcm.txt') },
    );
    const d = await discoverDevices('ffmpeg', 'linux', { system: sys, env: { DISPLAY: ':77' } });
    expect(d.devices.map((x) => x.id)).toEqual(['alsa:plughw:CARD=PCH,DEV=0', 'alsa:plughw:CARD=PCH,DEV=2', 'alsa:plughw:CARD=C920,DEV=0', 'x11grab::77']);
    expect(d.notes).toContain('no PulseAudio/PipeWire server answered: Connection failure: Connection refused');
  });

  it('says why an X display cannot be opened', async () => {
    const sys = machine({ 'ffmpeg -hide_banner -f x11grab -i :78 -frames:v 1 -f null -': err(deviceFixture('linux-x11grab-no-display.txt')) });
    const d = await discoverDevices('ffmpeg', 'linux', { system: sys, env: { DISPLAY: ':78' } });
    expect(d.notes).toContain('cannot open X display :78: :78: Input/output error');
  });
});

describe('discoverDevices on Windows and macOS', () => {
  it('lists dshow devices, uses the alternative name for twins, and the screens the build can grab', async () => {
    const sys = machine({ 'ffmpeg.exe -hide_banner -list_devices true -f dshow -i dummy': err(deviceFixture('win-dshow-6.txt')) });
    const d = await discoverDevices('ffmpeg.exe', 'win32', { system: sys, has: { gdigrab: true, ddagrab: true } });
    expect(d.devices.map((x) => [x.role, x.id.replace(/&mi_00#7&(11aa|22bb)&.*$/, '&mi_00#7&$1...')])).toEqual([
      ['camera', 'dshow:Integrated Camera'],
      ['camera', 'dshow:@device_pnp_\\\\?\\usb#vid_0c45&pid_6366&mi_00#7&11aa...'],
      ['camera', 'dshow:@device_pnp_\\\\?\\usb#vid_0c45&pid_6366&mi_00#7&22bb...'],
      ['mic', 'dshow:Microphone Array (Realtek(R) Audio)'],
      ['screen', 'gdigrab:desktop'],
      ['screen', 'ddagrab:0'],
    ]);
    expect(d.devices[1]!.id).not.toBe(d.devices[2]!.id);
    const old = await discoverDevices('ffmpeg.exe', 'win32', { system: sys, has: { gdigrab: true, ddagrab: false } });
    expect(old.devices.filter((x) => x.role === 'screen').map((x) => x.id)).toEqual(['gdigrab:desktop']);
  });

  it('lists AVFoundation cameras, screens and microphones by name', async () => {
    const sys = machine({ 'ffmpeg -hide_banner -f avfoundation -list_devices true -i ': err(deviceFixture('mac-avfoundation.txt')) });
    const d = await discoverDevices('ffmpeg', 'darwin', { system: sys });
    expect(d.devices.map((x) => [x.role, x.id])).toEqual([
      ['camera', 'avfoundation:FaceTime HD Camera'],
      ['screen', 'avfoundation:Capture screen 0'],
      ['screen', 'avfoundation:Capture screen 1'],
      ['mic', 'avfoundation:Built-in Microphone'],
      ['mic', 'avfoundation:MacBook Pro Microphone'],
      ['mic', 'avfoundation:ZoomAudioDevice'],
    ]);
    expect(d.notes).toEqual([]);
  });
});
