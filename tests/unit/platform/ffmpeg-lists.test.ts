import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { featuresFromLists, parseCodecList, parseFilterList, parseFormatList, type FfmpegLists } from '../../../src/platform/ffmpeg-lists.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ffmpeg/${name}`, import.meta.url), 'utf8');
const lists = (prefix: string): FfmpegLists => ({
  devices: fixture(`${prefix}-devices.txt`),
  muxers: fixture(`${prefix}-muxers.txt`),
  encoders: fixture(`${prefix}-encoders.txt`),
  filters: fixture(`${prefix}-filters.txt`),
});

describe('FFmpeg listing parsers', () => {
  it('reads the device rows of Debian ffmpeg 5.1, aliases and flags included', () => {
    const rows = parseFormatList(fixture('debian-5.1-devices.txt'));
    expect(rows).toHaveLength(17);
    expect(rows.find((r) => r.names.includes('v4l2'))).toEqual({ names: ['video4linux2', 'v4l2'], demux: true, mux: true });
    expect(rows.find((r) => r.names.includes('x11grab'))).toEqual({ names: ['x11grab'], demux: true, mux: false });
    expect(rows.find((r) => r.names.includes('opengl'))).toEqual({ names: ['opengl'], demux: false, mux: true });
    // `libcdio` has an empty description in the real listing.
    expect(rows.some((r) => r.names[0] === 'libcdio')).toBe(true);
  });

  it('reads the three-column format flags of FFmpeg >= 7.1', () => {
    const rows = parseFormatList(fixture('win-7.1-muxers.txt'));
    expect(rows.map((r) => r.names[0])).toEqual(['3g2', 'mp4', 'mpegts', 'segment', 'sdl', 'stream_segment']);
    expect(rows.every((r) => r.mux && !r.demux)).toBe(true);
  });

  it('finds encoders and filters but not the legend lines', () => {
    const enc = parseCodecList(fixture('debian-5.1-encoders.txt'));
    expect(enc).toContain('libx264');
    expect(enc).toContain('aac');
    expect(enc).not.toContain('=');
    const filters = parseFilterList(fixture('debian-5.1-filters.txt'));
    expect(filters).toEqual(expect.arrayContaining(['overlay', 'scale2ref', 'drawtext', 'testsrc2', 'sine', 'amovie']));
    expect(filters).not.toContain('=');
    expect(parseFilterList(fixture('win-7.1-filters.txt'))).toEqual(['ddagrab', 'drawtext', 'overlay', 'scale2ref', 'testsrc2']);
  });

  it('returns nothing for text that is not a listing', () => {
    expect(parseFormatList('ffmpeg: command not found')).toEqual([]);
    expect(parseCodecList('')).toEqual([]);
    expect(parseFilterList('Unrecognized option')).toEqual([]);
  });
});

describe('featuresFromLists', () => {
  it('finds everything Linux needs in Debian ffmpeg 5.1', () => {
    const r = featuresFromLists(lists('debian-5.1'), 'linux');
    expect(r.missing).toEqual([]);
    expect(r.has).toMatchObject({ x11grab: true, v4l2: true, pulse: true, alsa: true, lavfi: true, libx264: true, aac: true, segment: true, mpegts: true, overlay: true, scale2ref: true, drawtext: true });
    expect(r.has).toMatchObject({ dshow: false, gdigrab: false, ddagrab: false, avfoundation: false });
  });

  it('reports the missing pulse input of the 2018 static build as recommended, not required', () => {
    const r = featuresFromLists(lists('static-2018'), 'linux');
    expect(r.has.pulse).toBe(false);
    expect(r.has.alsa).toBe(true);
    expect(r.missing).toEqual([expect.objectContaining({ anyOf: ['pulse'], level: 'recommended' })]);
  });

  it('checks the Windows needs and sees ddagrab as a filter', () => {
    const r = featuresFromLists(lists('win-7.1'), 'win32');
    expect(r.has).toMatchObject({ dshow: true, gdigrab: true, ddagrab: true, libx264: true, segment: true, mpegts: true });
    expect(r.missing).toEqual([]);
  });

  it('puts required gaps first: the Linux build on macOS lacks avfoundation', () => {
    const r = featuresFromLists(lists('static-2018'), 'darwin');
    expect(r.missing.map((n) => [n.anyOf.join('|'), n.level])).toEqual([['avfoundation', 'required']]);
    const win = featuresFromLists(lists('debian-5.1'), 'win32');
    expect(win.missing.map((n) => n.anyOf.join('|'))).toEqual(['dshow', 'gdigrab|ddagrab']);
  });

  it('misses all encoders when the listing is empty', () => {
    const r = featuresFromLists({ ...lists('debian-5.1'), encoders: '' }, 'linux');
    expect(r.missing.map((n) => n.anyOf[0])).toEqual(['libx264', 'aac']);
  });
});
