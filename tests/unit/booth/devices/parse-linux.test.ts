import { describe, expect, it } from 'vitest';
import { parseArecordList, parsePactlSources, parseProbedVideoSize, parseProcAsound, parseV4l2Formats, parseXdpyinfo } from '../../../../src/booth/capture/devices/parse-linux.js';
import { deviceFixture } from './fixture.js';

describe('Linux device listing parsers', () => {
  it('reads v4l2 formats: discrete sizes, emulated, unsupported left out', () => {
    const f = parseV4l2Formats(deviceFixture('linux-v4l2-c920.txt'));
    expect(f.map((x) => [x.kind, x.format, x.emulated])).toEqual([
      ['raw', 'yuyv422', false],
      ['compressed', 'mjpeg', false],
      ['raw', 'yuv420p', true],
    ]);
    expect(f[0]!.sizes).toHaveLength(19);
    expect(f[0]!.sizes[0]).toBe('640x480');
    expect(f[1]!.sizes).toContain('1920x1080');
    expect(f[2]!.sizes).toEqual(['640x480', '1280x720']);
  });

  it('keeps a stepwise range as printed', () => {
    expect(parseV4l2Formats(deviceFixture('linux-v4l2-stepwise.txt'))).toEqual([
      { kind: 'raw', format: 'yuv420p', sizes: ['{32-2592, 2}x{32-1944, 2}'], emulated: false },
      { kind: 'compressed', format: 'mjpeg', sizes: ['{32-2592, 2}x{32-1944, 2}'], emulated: false },
    ]);
  });

  it('finds no formats on a metadata node or a missing device (real output)', () => {
    expect(parseV4l2Formats(deviceFixture('linux-v4l2-metadata-node.txt'))).toEqual([]);
    expect(parseV4l2Formats(deviceFixture('linux-v4l2-missing.txt'))).toEqual([]);
  });

  it('reads pactl sources and marks monitors', () => {
    const s = parsePactlSources(deviceFixture('linux-pactl-short-sources.txt'));
    expect(s.map((x) => [x.name, x.monitor, x.state])).toEqual([
      ['alsa_output.pci-0000_00_1f.3.analog-stereo.monitor', true, 'SUSPENDED'],
      ['alsa_input.pci-0000_00_1f.3.analog-stereo', false, 'SUSPENDED'],
      ['alsa_input.usb-046d_HD_Pro_Webcam_C920_8A4B1F2F-02.analog-stereo', false, 'RUNNING'],
    ]);
    expect(s[2]!.sampleSpec).toBe('s16le 2ch 32000Hz');
    expect(parsePactlSources('Connection failure: Connection refused\n')).toEqual([]);
  });

  it('reads arecord -l and /proc/asound alike', () => {
    const want = [
      { card: 0, cardId: 'PCH', device: 0, label: 'HDA Intel PCH: ALC3246 Analog' },
      { card: 2, cardId: 'C920', device: 0, label: 'HD Pro Webcam C920: USB Audio' },
    ];
    expect(parseArecordList(deviceFixture('linux-arecord-l.txt'))).toEqual(want);
    const proc = parseProcAsound(deviceFixture('linux-proc-asound-cards.txt'), deviceFixture('linux-proc-asound-pcm.txt'));
    // /proc also lists the second capture PCM of card 0 and skips playback-only HDMI.
    expect(proc).toEqual([want[0], { card: 0, cardId: 'PCH', device: 2, label: 'HDA Intel PCH: ALC3246 Alt Analog' }, want[1]]);
  });

  it('reads screen sizes from xdpyinfo and from an x11grab probe (real output)', () => {
    expect(parseXdpyinfo(deviceFixture('linux-xdpyinfo-xvfb-2screens.txt'))).toEqual([
      { screen: 0, width: 1280, height: 720 },
      { screen: 1, width: 1920, height: 1080 },
    ]);
    expect(parseProbedVideoSize(deviceFixture('linux-x11grab-probe.txt'))).toEqual({ width: 1280, height: 720 });
    expect(parseProbedVideoSize(deviceFixture('linux-x11grab-no-display.txt'))).toBeNull();
  });
});
