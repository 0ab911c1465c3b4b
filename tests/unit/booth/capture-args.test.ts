import { describe, expect, it } from 'vitest';
import { buildCaptureArgs, FD, parseSegmentListLine } from '../../../src/booth/capture/args.js';
import { buildInputArgs } from '../../../src/booth/capture/devices/input-args.js';
import { selectionFromConfig } from '../../../src/booth/capture/devices/selection.js';
import { CaptureConfig } from '../../../src/booth/config.js';

const out = { segmentPattern: '/spool/run-0/seg-%06d.ts', tsOffsetSec: 0 };
const fakeInputPlan = (cfg: CaptureConfig, display: string | null) => buildInputArgs('linux', selectionFromConfig({ ...cfg, screen: display ? 'auto' : 'none' }, 'linux', { DISPLAY: display ?? undefined }));
const valueOf = (args: string[], flag: string, nth = 0) => args.filter((_, i) => args[i - 1] === flag)[nth];

describe('capture argument builder', () => {
  const cfg = CaptureConfig.parse({});

  it('records the fake camera and tone into MPEG-TS segments with taps on fixed pipes', () => {
    const args = buildCaptureArgs(cfg, fakeInputPlan(cfg, null), out);
    expect(valueOf(args, '-f')).toBe('lavfi');
    expect(valueOf(args, '-i')).toContain('testsrc2=size=640x480:rate=15');
    expect(valueOf(args, '-segment_time')).toBe('4');
    expect(valueOf(args, '-segment_format')).toBe('mpegts');
    expect(valueOf(args, '-segment_format_options')).toBe('flush_packets=1');
    expect(valueOf(args, '-segment_list')).toBe(`pipe:${FD.segmentList}`);
    expect(valueOf(args, '-force_key_frames')).toBe('expr:gte(t,n_forced*4)');
    expect(valueOf(args, '-tune')).toBe('zerolatency');
    expect(valueOf(args, '-progress')).toBe(`pipe:${FD.progress}`);
    expect(args).toContain('/spool/run-0/seg-%06d.ts');
    const graph = valueOf(args, '-filter_complex')!;
    expect(graph).toContain('[0:v]split=3[cam][camface][camprev]');
    expect(graph).toContain('[camface]framestep=7,scale=320:240,format=gray[face]');
    expect(graph).toContain('[atap]aresample=16000,aformat=sample_fmts=s16:channel_layouts=mono[pcm]');
    expect(args.slice(args.indexOf('[face]') - 1, args.indexOf('[face]') + 6)).toEqual(['-map', '[face]', '-f', 'rawvideo', '-pix_fmt', 'gray', `pipe:${FD.face}`]);
    expect(args.slice(args.indexOf('[pcm]') - 1, args.indexOf('[pcm]') + 4)).toEqual(['-map', '[pcm]', '-f', 's16le', `pipe:${FD.pcm}`]);
    expect(args.at(-1)).toBe(`pipe:${FD.preview}`);
  });

  it('grabs the whole X screen with the camera inset that survives the camera ending', () => {
    const c = CaptureConfig.parse({ segmentSeconds: 2, pipWidth: 480 });
    const args = buildCaptureArgs(c, fakeInputPlan(c, ':99'), { ...out, tsOffsetSec: 12.5 });
    expect(args.slice(args.indexOf('x11grab') - 1, args.indexOf('x11grab') + 1)).toEqual(['-f', 'x11grab']);
    expect(args[args.indexOf(':99') - 1]).toBe('-i');
    const graph = valueOf(args, '-filter_complex')!;
    expect(graph).toContain('[1:v]split=3[cam][camface][camprev]');
    expect(graph).toContain('[cam]fps=15,scale=480:-2[pip]');
    expect(graph).toContain('[0:v]fps=15[scr];[scr][pip]overlay=W-w-16:H-h-16:eof_action=pass:shortest=0');
    expect(graph).toContain('[1:a]asplit=2[a][atap]');
    expect(valueOf(args, '-output_ts_offset')).toBe('12.500');
    expect(valueOf(args, '-segment_time')).toBe('2');
  });

  it('can end the fake camera early for camera-loss tests', () => {
    const c = CaptureConfig.parse({ fake: { cameraSeconds: 5 } });
    expect(fakeInputPlan(c, null).args.join(' ')).toContain('testsrc2=size=640x480:rate=15:duration=5[out0]');
  });

  it('records a real camera alone without a microphone: no audio, no speech tap', () => {
    const c = CaptureConfig.parse({ camera: 'v4l2:/dev/video0', mic: 'none', screen: 'none' });
    const args = buildCaptureArgs(c, buildInputArgs('linux', selectionFromConfig(c, 'linux', {})), out);
    expect(args.join(' ')).toContain('-f v4l2');
    expect(args).not.toContain('[a]');
    expect(args).not.toContain(`pipe:${FD.pcm}`);
    expect(args).toContain(`pipe:${FD.face}`);
    expect(valueOf(args, '-filter_complex')).toBe('[0:v]split=3[cam][camface][camprev];[cam]format=yuv420p[v];[camface]framestep=7,scale=320:240,format=gray[face];[camprev]framestep=3,scale=320:-2[prev]');
  });

  it('refuses a selection without video', () => {
    const c = CaptureConfig.parse({ camera: 'none', screen: 'none' });
    expect(() => buildCaptureArgs(c, buildInputArgs('linux', selectionFromConfig(c, 'linux', {})), out)).toThrow(/neither a screen nor a camera/);
  });

  it('parses FFmpeg segment list lines', () => {
    expect(parseSegmentListLine('seg-000001.ts,4.133333,8.133333')).toEqual({ file: 'seg-000001.ts', startSec: 4.133333, endSec: 8.133333 });
    expect(parseSegmentListLine('garbage')).toBeNull();
    expect(parseSegmentListLine('')).toBeNull();
  });
});
