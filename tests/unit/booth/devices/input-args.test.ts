import { describe, expect, it } from 'vitest';
import { buildInputArgs } from '../../../../src/booth/capture/devices/input-args.js';
import type { DeviceSelection } from '../../../../src/booth/capture/devices/types.js';
import { ValidationError } from '../../../../src/core/errors.js';

const sel = (camera: string, mic: string, screen: string): DeviceSelection => ({
  camera: { device: camera as DeviceSelection['camera']['device'], width: 640, height: 480, fps: 15 },
  mic: { device: mic as DeviceSelection['mic']['device'] },
  screen: { device: screen as DeviceSelection['screen']['device'], fps: 15 },
});

describe('buildInputArgs: fake devices (any platform)', () => {
  it('puts the fake camera and tone in one lavfi input, as the skeleton did', () => {
    const p = buildInputArgs('linux', sel('fake', 'fake', 'none'));
    expect(p).toEqual({
      args: ['-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x480:rate=15[out0];sine=frequency=440:sample_rate=48000:beep_factor=4[out1]'],
      inputCount: 1, screen: null, camera: '0:v', mic: '0:a',
    });
  });

  it('orders screen first, then the camera', () => {
    const p = buildInputArgs('linux', sel('fake', 'fake', 'x11grab::99'));
    expect(p.args.slice(0, 10)).toEqual(['-f', 'x11grab', '-thread_queue_size', '512', '-draw_mouse', '1', '-framerate', '15', '-i', ':99']);
    expect([p.inputCount, p.screen, p.camera, p.mic]).toEqual([2, '0:v', '1:v', '1:a']);
  });

  it('makes fake bars for a fake screen and separate inputs for fake camera + real mic', () => {
    const p = buildInputArgs('linux', { ...sel('fake', 'pulse:default', 'fake'), screen: { device: 'fake', fps: 10, region: { width: 1920, height: 1080, x: 0, y: 0 } } });
    expect(p.args).toEqual([
      '-re', '-f', 'lavfi', '-i', 'smptehdbars=size=1920x1080:rate=10',
      '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x480:rate=15',
      '-f', 'pulse', '-thread_queue_size', '512', '-sample_rate', '48000', '-channels', '1', '-i', 'default',
    ]);
    expect([p.screen, p.camera, p.mic]).toEqual(['0:v', '1:v', '2:a']);
  });

  it('refuses a selection of nothing', () => {
    expect(() => buildInputArgs('linux', sel('none', 'none', 'none'))).toThrow(/at least one/);
  });
});

describe('buildInputArgs: Linux', () => {
  it('opens a v4l2 camera with size, rate and input format, and an ALSA mic', () => {
    const s = sel('v4l2:/dev/video0', 'alsa:plughw:CARD=PCH,DEV=0', 'none');
    s.camera.inputFormat = 'mjpeg';
    const p = buildInputArgs('linux', s);
    expect(p.args).toEqual([
      '-f', 'v4l2', '-thread_queue_size', '512', '-framerate', '15', '-video_size', '640x480', '-input_format', 'mjpeg', '-i', '/dev/video0',
      '-f', 'alsa', '-thread_queue_size', '512', '-sample_rate', '48000', '-channels', '1', '-i', 'plughw:CARD=PCH,DEV=0',
    ]);
    expect([p.screen, p.camera, p.mic]).toEqual([null, '0:v', '1:a']);
  });

  it('grabs a screen region with x11grab', () => {
    const s = sel('none', 'fake', 'x11grab::0.0');
    s.screen.region = { width: 1280, height: 720, x: 1920, y: 0 };
    s.screen.drawMouse = false;
    const p = buildInputArgs('linux', s);
    expect(p.args.slice(0, 12)).toEqual(['-f', 'x11grab', '-thread_queue_size', '512', '-draw_mouse', '0', '-framerate', '15', '-video_size', '1280x720', '-i', ':0.0+1920,0']);
    expect([p.screen, p.camera, p.mic]).toEqual(['0:v', null, '1:a']);
  });

  it('names the field when a device belongs to another platform or role', () => {
    expect(() => buildInputArgs('linux', sel('dshow:Integrated Camera', 'fake', 'none'))).toThrow(/capture\.camera: dshow cannot be the camera on linux \(use v4l2\)/);
    expect(() => buildInputArgs('linux', sel('fake', 'v4l2:/dev/video0', 'none'))).toThrow(/capture\.mic/);
    expect(() => buildInputArgs('linux', sel('v4l2:video0', 'fake', 'none'))).toThrow(ValidationError);
    expect(() => buildInputArgs('linux', sel('fake', 'fake', 'x11grab:desktop'))).toThrow(/capture\.screen: "desktop" is not an X display/);
  });
});

describe('buildInputArgs: Windows', () => {
  it('opens camera and microphone as one dshow input (keeps them in sync)', () => {
    const p = buildInputArgs('win32', sel('dshow:Integrated Camera', 'dshow:Microphone Array (Realtek(R) Audio)', 'gdigrab:desktop'));
    expect(p.args).toEqual([
      '-f', 'gdigrab', '-thread_queue_size', '512', '-draw_mouse', '1', '-framerate', '15', '-i', 'desktop',
      '-f', 'dshow', '-thread_queue_size', '512', '-rtbufsize', '100M', '-audio_buffer_size', '50',
      '-framerate', '15', '-video_size', '640x480', '-sample_rate', '48000', '-channels', '1',
      '-i', 'video=Integrated Camera:audio=Microphone Array (Realtek(R) Audio)',
    ]);
    expect([p.inputCount, p.screen, p.camera, p.mic]).toEqual([2, '0:v', '1:v', '1:a']);
  });

  it('uses ddagrab through lavfi with hwdownload, and mjpeg as -vcodec', () => {
    const s = sel('dshow:USB Camera', 'fake', 'ddagrab:1');
    s.camera.inputFormat = 'mjpeg';
    const p = buildInputArgs('win32', s);
    expect(p.args.slice(0, 6)).toEqual(['-f', 'lavfi', '-thread_queue_size', '512', '-i', 'ddagrab=output_idx=1:framerate=15:draw_mouse=1,hwdownload,format=bgra']);
    expect(p.args).toContain('video=USB Camera');
    expect(p.args.join(' ')).toContain('-vcodec mjpeg -i video=USB Camera');
    expect([p.screen, p.camera, p.mic]).toEqual(['0:v', '1:v', '2:a']);
  });

  it('offsets a gdigrab region and refuses names FFmpeg would split', () => {
    const s = sel('none', 'dshow:Mic', 'gdigrab:desktop');
    s.screen.region = { width: 800, height: 600, x: 10, y: 20 };
    expect(buildInputArgs('win32', s).args.slice(0, 16)).toEqual(['-f', 'gdigrab', '-thread_queue_size', '512', '-draw_mouse', '1', '-framerate', '15', '-offset_x', '10', '-offset_y', '20', '-video_size', '800x600', '-i', 'desktop']);
    expect(() => buildInputArgs('win32', sel('dshow:Cam:2', 'fake', 'none'))).toThrow(/capture\.camera: "Cam:2"/);
    expect(() => buildInputArgs('win32', sel('fake', 'pulse:default', 'none'))).toThrow(/capture\.mic: pulse cannot be the mic on win32 \(use dshow\)/);
  });
});

describe('buildInputArgs: macOS', () => {
  it('opens camera and microphone as one avfoundation input and the screen separately', () => {
    const p = buildInputArgs('darwin', sel('avfoundation:FaceTime HD Camera', 'avfoundation:Built-in Microphone', 'avfoundation:Capture screen 0'));
    expect(p.args).toEqual([
      '-f', 'avfoundation', '-thread_queue_size', '512', '-framerate', '15', '-capture_cursor', '1', '-i', 'Capture screen 0:none',
      '-f', 'avfoundation', '-thread_queue_size', '512', '-framerate', '15', '-video_size', '640x480', '-sample_rate', '48000', '-channels', '1', '-i', 'FaceTime HD Camera:Built-in Microphone',
    ]);
    expect([p.screen, p.camera, p.mic]).toEqual(['0:v', '1:v', '1:a']);
  });

  it('opens a microphone alone as none:<mic> and a camera alone as <camera>:none', () => {
    expect(buildInputArgs('darwin', sel('none', 'avfoundation:0', 'none')).args.at(-1)).toBe('none:0');
    const cam = buildInputArgs('darwin', { ...sel('avfoundation:0', 'none', 'none'), camera: { device: 'avfoundation:0', width: 1280, height: 720, fps: 30, inputFormat: 'nv12' } });
    expect(cam.args).toEqual(['-f', 'avfoundation', '-thread_queue_size', '512', '-framerate', '30', '-video_size', '1280x720', '-pixel_format', 'nv12', '-i', '0:none']);
    expect(() => buildInputArgs('darwin', sel('fake', 'fake', 'x11grab::0'))).toThrow(/capture\.screen: x11grab cannot be the screen on darwin/);
  });
});
