import { describe, expect, it } from 'vitest';
import { FixedChunker, MjpegSplitter } from '../../../src/booth/capture/mjpeg.js';
import { ProgressParser } from '../../../src/booth/capture/progress.js';
import { findGaps } from '../../../src/booth/session-service.js';
import { sha256Hex } from '../../../src/core/chain.js';

describe('progress parser', () => {
  it('turns -progress blocks into reports, across chunk borders', () => {
    const p = new ProgressParser();
    // Real output of ffmpeg 5.1 with -progress pipe: (one block split in two chunks).
    expect(p.push('frame=19\nfps=14.85\nstream_0_0_q=30.0\nbitrate=N/A\ntotal_size=N/A\nout_time_us=1279000\nout_')).toEqual([]);
    const [r] = p.push('time=00:00:01.279000\ndup_frames=0\ndrop_frames=2\nspeed=   1x\nprogress=continue\n');
    expect(r).toEqual({ frame: 19, fps: 14.85, outTimeSec: 1.279, dupFrames: 0, dropFrames: 2, speed: 1, ended: false });
    const [end] = p.push('frame=20\nout_time_us=N/A\nspeed=N/A\nprogress=end\n');
    expect(end).toMatchObject({ frame: 20, outTimeSec: 0, speed: null, ended: true });
  });
});

describe('MJPEG splitter', () => {
  const part = (jpeg: Buffer) => Buffer.concat([Buffer.from(`--ffmpeg\r\nContent-type: image/jpeg\r\nContent-length: ${jpeg.length}\r\n\r\n`), jpeg, Buffer.from('\r\n')]);
  it('extracts each JPEG however the stream is chunked', () => {
    const a = Buffer.from([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]);
    const b = Buffer.from([0xff, 0xd8, 9, 9, 0xff, 0xd9]);
    const stream = Buffer.concat([part(a), part(b)]);
    for (const size of [1, 3, 17, stream.length]) {
      const s = new MjpegSplitter();
      const got: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) got.push(...s.push(stream.subarray(i, i + size)));
      expect(got.map((g) => g.toString('hex'))).toEqual([a.toString('hex'), b.toString('hex')]);
    }
  });
});

describe('fixed chunker', () => {
  it('cuts a stream into whole frames', () => {
    const c = new FixedChunker(4);
    expect(c.push(Buffer.from([1, 2, 3]))).toEqual([]);
    expect(c.push(Buffer.from([4, 5, 6, 7, 8, 9])).map((b) => [...b])).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
    expect(c.push(Buffer.from([10, 11, 12])).map((b) => [...b])).toEqual([[9, 10, 11, 12]]);
  });
});

describe('timeline gaps', () => {
  const seg = (seq: number, startSec: number, durationSec: number) => ({ seq, startSec, durationSec, cipherSha256: sha256Hex(`c${seq}`), plainSha256: sha256Hex(`p${seq}`), link: sha256Hex(`l${seq}`), bytes: 1 });
  it('finds holes and names the restart that caused them', () => {
    const segments = [seg(0, 0, 4), seg(1, 4.05, 4), seg(2, 8.05, 1.2), seg(3, 10.6, 4)];
    const restarts = new Map([[1, { run: 1, reason: 'the recorder (ffmpeg) was killed by SIGKILL', at: '2026-11-21T10:00:00.000Z' }]]);
    const runOfSeq = new Map([[0, 0], [1, 0], [2, 0], [3, 1]]);
    expect(findGaps(segments, restarts, runOfSeq)).toEqual([{ afterSeq: 2, startSec: 9.25, durationSec: 1.35, reason: 'the recorder (ffmpeg) was killed by SIGKILL' }]);
    expect(findGaps(segments, new Map(), new Map())[0]!.reason).toMatch(/interrupted/);
    expect(findGaps(segments.slice(0, 3), restarts, runOfSeq)).toEqual([]);
    // A restart is recorded even when the hole is shorter than the jitter tolerance.
    const tight = [seg(0, 0, 4), seg(1, 4.1, 4)];
    expect(findGaps(tight, new Map([[1, restarts.get(1)!]]), new Map([[0, 0], [1, 1]]))).toEqual([{ afterSeq: 0, startSec: 4, durationSec: 0.1, reason: 'the recorder (ffmpeg) was killed by SIGKILL' }]);
  });
});
