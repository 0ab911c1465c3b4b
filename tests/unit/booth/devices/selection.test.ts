import { describe, expect, it } from 'vitest';
import { parseBoothConfig } from '../../../../src/booth/config.js';
import { resolveScreen, selectionFromConfig } from '../../../../src/booth/capture/devices/selection.js';
import { buildInputArgs } from '../../../../src/booth/capture/devices/input-args.js';

describe('device selection from the booth config', () => {
  it('defaults to the fake camera and tone and the X screen when there is one', () => {
    const cfg = parseBoothConfig({}).capture;
    expect([cfg.camera, cfg.mic, cfg.screen]).toEqual(['fake', 'fake', 'auto']);
    expect(selectionFromConfig(cfg, 'linux', { DISPLAY: ':99' })).toEqual({
      camera: { device: 'fake', width: 640, height: 480, fps: 15 },
      mic: { device: 'fake' },
      screen: { device: 'x11grab::99', fps: 15 },
    });
    expect(selectionFromConfig(cfg, 'linux', {}).screen.device).toBe('none');
    expect(selectionFromConfig(cfg, 'linux', { DISPLAY: '' }).screen.device).toBe('none');
  });

  it('resolves auto per platform and honours capture.display', () => {
    expect(resolveScreen({ screen: 'auto', display: ':1' }, 'linux', { DISPLAY: ':0' })).toBe('x11grab::1');
    expect(resolveScreen({ screen: 'auto' }, 'win32', {})).toBe('gdigrab:desktop');
    expect(resolveScreen({ screen: 'auto' }, 'darwin', {})).toBe('avfoundation:Capture screen 0');
    expect(() => resolveScreen({ screen: 'x11' }, 'linux', {})).toThrow(/no X display/);
    expect(() => resolveScreen({ screen: 'x11' }, 'win32', { DISPLAY: ':0' })).toThrow(/Linux only/);
    expect(resolveScreen({ screen: 'ddagrab:0' }, 'win32', {})).toBe('ddagrab:0');
  });

  it('carries real devices and the camera format from the config into the input args', () => {
    const cfg = parseBoothConfig({ capture: { camera: 'v4l2:/dev/video2', mic: 'pulse:default', cameraFormat: 'mjpeg', screen: 'none', width: 1280, height: 720 } }).capture;
    const plan = buildInputArgs('linux', selectionFromConfig(cfg, 'linux', { DISPLAY: ':0' }));
    expect(plan.args.join(' ')).toBe('-f v4l2 -thread_queue_size 512 -framerate 15 -video_size 1280x720 -input_format mjpeg -i /dev/video2 -f pulse -thread_queue_size 512 -sample_rate 48000 -channels 1 -i default');
  });

  it('rejects malformed device ids at config load, naming the field', () => {
    expect(() => parseBoothConfig({ capture: { camera: '/dev/video0' } })).toThrow(/capture\.camera: capture\.camera must be fake, none or a device id/);
    expect(() => parseBoothConfig({ capture: { mic: 'webcam:1' } })).toThrow(/capture\.mic/);
    expect(() => parseBoothConfig({ capture: { screen: 'wayland' } })).toThrow(/capture\.screen: capture\.screen must be auto, x11, none, fake/);
    expect(() => parseBoothConfig({ capture: { cameraFormat: 'MJPEG;rm' } })).toThrow(/capture\.cameraFormat/);
  });
});
