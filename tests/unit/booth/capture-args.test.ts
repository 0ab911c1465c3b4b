import { describe, expect, it } from 'vitest';
import { buildCaptureArgs, parseSegmentListLine } from '../../../src/booth/capture/args.js';
import { CaptureConfig } from '../../../src/booth/config.js';

const out = { segmentPattern: '/spool/seg-%06d.ts', segmentListFd: 3 };
const valueOf = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('capture argument builder', () => {
  const cfg = CaptureConfig.parse({});

  it('records the fake camera and tone into MPEG-TS segments announced on fd 3', () => {
    const args = buildCaptureArgs(cfg, { display: null }, out);
    expect(valueOf(args, '-f')).toBe('lavfi');
    expect(valueOf(args, '-i')).toContain('testsrc2=size=640x480:rate=15');
    expect(valueOf(args, '-segment_time')).toBe('4');
    expect(valueOf(args, '-segment_format')).toBe('mpegts');
    expect(valueOf(args, '-segment_list')).toBe('pipe:3');
    expect(valueOf(args, '-force_key_frames')).toBe('expr:gte(t,n_forced*4)');
    expect(args.at(-1)).toBe('/spool/seg-%06d.ts');
    expect(args).not.toContain('-filter_complex');
    expect(args.filter((a) => a === '-map')).toHaveLength(2);
  });

  it('grabs the X display with the camera as picture-in-picture when a display is given', () => {
    const args = buildCaptureArgs({ ...cfg, segmentSeconds: 2 }, { display: ':99' }, out);
    expect(args.slice(args.indexOf('x11grab') - 1, args.indexOf('x11grab') + 5)).toEqual(['-f', 'x11grab', '-framerate', '15', '-i', ':99']);
    expect(valueOf(args, '-filter_complex')).toMatch(/^\[1:v\]\[0:v\]scale2ref=.*\[pip\]\[scr\];\[scr\]\[pip\]overlay=W-w-16:H-h-16/);
    expect(valueOf(args, '-map')).toBe('[v]');
    expect(valueOf(args, '-segment_time')).toBe('2');
  });

  it('parses FFmpeg segment list lines', () => {
    expect(parseSegmentListLine('seg-000001.ts,4.133333,8.133333')).toEqual({ file: 'seg-000001.ts', startSec: 4.133333, endSec: 8.133333 });
    expect(parseSegmentListLine('garbage')).toBeNull();
    expect(parseSegmentListLine('')).toBeNull();
  });
});
