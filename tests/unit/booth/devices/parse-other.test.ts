import { describe, expect, it } from 'vitest';
import { parseAvfoundationDevices } from '../../../../src/booth/capture/devices/parse-avfoundation.js';
import { parseDshowDevices } from '../../../../src/booth/capture/devices/parse-dshow.js';
import { deviceFixture } from './fixture.js';

describe('DirectShow listing', () => {
  it('reads the legacy layout with section headers and non-ASCII names', () => {
    const d = parseDshowDevices(deviceFixture('win-dshow-legacy.txt'));
    expect(d.map((x) => [x.kind, x.name])).toEqual([
      ['video', 'Integrated Webcam'],
      ['video', 'screen-capture-recorder'],
      ['audio', '麦克风 (High Definition Audio 设备)'],
    ]);
    expect(d[0]!.alternativeName).toMatch(/^@device_pnp_\\\\\?\\usb#vid_0c45/);
  });

  it('reads typed entries, keeps twins apart by alternative name and skips (none)', () => {
    const d = parseDshowDevices(deviceFixture('win-dshow-6.txt'));
    expect(d.map((x) => [x.kind, x.name])).toEqual([
      ['video', 'Integrated Camera'],
      ['video', 'USB Camera'],
      ['video', 'USB Camera'],
      ['audio', 'Microphone Array (Realtek(R) Audio)'],
    ]);
    expect(d[1]!.alternativeName).not.toBe(d[2]!.alternativeName);
    expect(d[3]!.alternativeName).toContain('@device_cm_');
  });

  it('accepts the [in#0 @ ...] prefix of newer FFmpeg', () => {
    expect(parseDshowDevices(deviceFixture('win-dshow-in0.txt')).map((x) => [x.kind, x.name])).toEqual([
      ['video', 'screen-capture-recorder'],
      ['audio', 'virtual-audio-capturer'],
    ]);
  });
});

describe('AVFoundation listing', () => {
  it('separates cameras, screens and microphones', () => {
    const d = parseAvfoundationDevices(deviceFixture('mac-avfoundation.txt'));
    expect(d.map((x) => [x.kind, x.index, x.name, x.screen])).toEqual([
      ['video', 0, 'FaceTime HD Camera', false],
      ['video', 1, 'Capture screen 0', true],
      ['video', 2, 'Capture screen 1', true],
      ['audio', 0, 'Built-in Microphone', false],
      ['audio', 1, 'MacBook Pro Microphone', false],
      ['audio', 2, 'ZoomAudioDevice', false],
    ]);
  });
});
