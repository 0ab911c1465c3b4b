import { describe, expect, it } from 'vitest';
import { IntegrityError, ValidationError } from '../../../src/core/errors.js';
import { parseArchiveRecord } from '../../../src/server/archive/archive-record.js';
import { FinalizeConfig } from '../../../src/server/archive/finalize-config.js';
import { buildDeriveArgs, deriveLayout, thumbnailSelect, type DeriveSource } from '../../../src/server/archive/render/derive-args.js';
import { drawtextFont, filterValue } from '../../../src/server/archive/render/filtergraph.js';
import type { FontChoice } from '../../../src/server/archive/render/fonts.js';
import { bannerText, cleanLabel, tilePhrase, tileText, timestampText } from '../../../src/server/archive/render/overlay-text.js';
import { thumbnailInterval } from '../../../src/server/archive/render/thumbnails.js';
import { isTimeZone, offsetLabel, zoneOffsetMinutes, zoneSpans } from '../../../src/server/archive/render/time-zone.js';
import { parseServerConfig } from '../../../src/server/config.js';

const SID = '3f2a8c1e-1b2c-4d5e-8f90-123456789abc';

describe('time zones of the burned-in clock', () => {
  it('knows IANA zone names and refuses others', () => {
    expect(['Asia/Shanghai', 'UTC', 'America/Argentina/Buenos_Aires', 'Etc/GMT-8'].map(isTimeZone)).toEqual([true, true, true, true]);
    expect(['Mars/Olympus', '../etc/passwd', '', 'Asia/Shanghai;rm', 'x'.repeat(80)].map(isTimeZone)).toEqual([false, false, false, false, false]);
  });

  it('gives the UTC offset at an instant and labels it', () => {
    const jan = Date.parse('2025-01-15T12:00:00Z');
    expect(zoneOffsetMinutes('Asia/Shanghai', jan)).toBe(480);
    expect(zoneOffsetMinutes('America/St_Johns', jan)).toBe(-210);
    expect(zoneOffsetMinutes('UTC', jan)).toBe(0);
    expect([480, -210, 0, 345].map(offsetLabel)).toEqual(['UTC+08:00', 'UTC-03:30', 'UTC+00:00', 'UTC+05:45']);
  });

  it('keeps one span when the offset does not change', () => {
    expect(zoneSpans('Asia/Shanghai', Date.parse('2025-03-14T01:59:26Z'), 600)).toEqual([{ fromSec: 0, toSec: null, offsetMin: 480 }]);
  });

  it('splits at a daylight-saving change to the millisecond, both ways', () => {
    // Berlin springs forward at 01:00:00Z on 2025-03-30; the recording starts 59.75 s before.
    expect(zoneSpans('Europe/Berlin', Date.parse('2025-03-30T00:59:00.250Z'), 120)).toEqual([
      { fromSec: 0, toSec: 59.75, offsetMin: 60 },
      { fromSec: 59.75, toSec: null, offsetMin: 120 },
    ]);
    // New York falls back at 06:00:00Z on 2025-11-02.
    expect(zoneSpans('America/New_York', Date.parse('2025-11-02T05:59:30Z'), 60)).toEqual([
      { fromSec: 0, toSec: 30, offsetMin: -240 },
      { fromSec: 30, toSec: null, offsetMin: -300 },
    ]);
    // A three-hour session finds the change 50 minutes in.
    expect(zoneSpans('Europe/Berlin', Date.parse('2025-03-30T00:10:00Z'), 3 * 3600).map((s) => s.fromSec)).toEqual([0, 3000]);
  });
});

describe('burned-in text', () => {
  it('writes the timestamp as a drawtext template: start + offset as epoch, the zone named, then media time', () => {
    const start = Date.parse('2025-03-14T01:59:26.500Z');
    expect(timestampText(start, { fromSec: 0, toSec: null, offsetMin: 480 }, 'Asia/Shanghai')).toBe(
      `%{pts:gmtime:${(start / 1000 + 8 * 3600).toFixed(3)}:%Y-%m-%d %H\\:%M\\:%S} UTC+08:00 Asia/Shanghai | rec %{pts:hms}`,
    );
  });

  it('cleans names to one safe line of at most 40 characters', () => {
    expect(cleanLabel('北京\n分行\u202E x\t y')).toBe('北京 分行 x y');
    expect(cleanLabel('  ')).toBe('–');
    const long = cleanLabel('柜'.repeat(60));
    expect([...long]).toHaveLength(40);
    expect(long.endsWith('…')).toBe(true);
  });

  it('names branch (or –), booth, session and CONFIDENTIAL 机密 in the banner and the tiles', () => {
    const w = { branch: null, booth: 'booth 3', sessionId: SID };
    expect(bannerText(w, true)).toBe(`CONFIDENTIAL 机密 | session ${SID}\nbranch: – | booth: booth 3`);
    expect(bannerText({ ...w, branch: '北京分行' }, false)).toBe(`CONFIDENTIAL | session ${SID}\nbranch: 北京分行 | booth: booth 3`);
    expect(tilePhrase({ ...w, branch: '北京分行' }, true)).toBe('CONFIDENTIAL 机密 | 北京分行 | booth 3 | 3f2a8c1e');
    expect(tilePhrase(w, true)).toBe('CONFIDENTIAL 机密 | booth 3 | 3f2a8c1e');
  });

  it('tiles the phrase over the canvas, every other line shifted', () => {
    const lines = tileText('CONFIDENTIAL 机密 | b | 3f2a8c1e', 28, 1500, 84).split('\n');
    expect(lines.length).toBe(Math.ceil(1500 / 112) + 1);
    expect(lines[0]!.startsWith('CONFIDENTIAL')).toBe(true);
    expect(lines[1]!.startsWith(' ')).toBe(true);
    expect(lines[0]!.split('CONFIDENTIAL').length - 1).toBeGreaterThanOrEqual(3);
  });
});

describe('filtergraph escaping', () => {
  it('escapes for the option parser, then for the graph parser', () => {
    // Option level: \ ' : get a backslash; graph level: \ ' [ ] , ; get one more.
    expect(filterValue(String.raw`/f/a:b,c'd[e]\f;g.ttc`)).toBe(String.raw`/f/a\\:b\,c\\\'d\[e\]\\\\f\;g.ttc`);
    expect(filterValue('Noto Sans CJK SC')).toBe('Noto Sans CJK SC');
    expect(() => filterValue(' lead')).toThrow(/whitespace/);
    expect(() => filterValue('a\nb')).toThrow(/line break/);
  });

  it('opens face 0 by file and a face inside a collection by family', () => {
    const font: FontChoice = { file: '/f.ttc', index: 2, family: 'Noto Sans CJK SC', cjk: true, source: 'fontconfig' };
    expect(drawtextFont(font)).toEqual({ font: 'Noto Sans CJK SC' });
    expect(drawtextFont({ ...font, index: 0 })).toEqual({ fontfile: '/f.ttc' });
  });
});

describe('the derive pass', () => {
  const cfg = FinalizeConfig.parse({});
  const font: FontChoice = { file: '/usr/share/fonts/x.ttf', index: 0, family: 'X', cjk: true, source: 'fixed-list' };
  const text = { timestamps: [{ span: { fromSec: 0, toSec: null, offsetMin: 480 }, file: 'timestamp-0.txt' }], banner: 'banner.txt', tile: 'tile.txt' };
  const out = { video: 'final.mp4', audio: 'audio.m4a', thumbs: 'thumbs.nut' };
  const src: DeriveSource = { path: '/w/recording.mp4', width: 1920, height: 1080, audio: 'aac' };

  it('scales down to maxHeight (never up) and sizes text by height', () => {
    expect(deriveLayout(1920, 1080, 720)).toMatchObject({ width: 1280, height: 720, timestampFont: 24, bannerFont: 21, tileFont: 28 });
    expect(deriveLayout(640, 480, 720)).toMatchObject({ width: 640, height: 480 });
    expect(deriveLayout(1366, 768, 720)).toMatchObject({ width: 1280, height: 720 });
    expect(deriveLayout(1280, 720, 720).tileCanvas).toBeGreaterThanOrEqual(Math.hypot(1280, 720));
  });

  it('runs decoder, filters and x264 on one thread and writes the three outputs in one pass', () => {
    const args = buildDeriveArgs(src, text, font, cfg, 10, out);
    const at = (flag: string, from = 0) => args.indexOf(flag, from);
    expect(args.slice(0, 4)).toEqual(['-threads', '1', '-i', '/w/recording.mp4']);
    expect(args.slice(at('-filter_threads'), at('-filter_threads') + 4)).toEqual(['-filter_threads', '1', '-filter_complex_threads', '1']);
    expect(args.slice(at('libx264'), at('libx264') + 7)).toEqual(['libx264', '-threads', '1', '-preset', 'veryfast', '-crf', '23']);
    expect(args.filter((a) => a === 'final.mp4' || a === 'audio.m4a' || a === 'thumbs.nut')).toEqual(['final.mp4', 'audio.m4a', 'thumbs.nut']);
    expect(args.filter((a, i) => a === 'copy' && args[i - 1] === '-c:a')).toHaveLength(2);
    const graph = args[at('-filter_complex') + 1]!;
    expect(graph).toContain('scale=1280:720');
    expect(graph).toContain('textfile=timestamp-0.txt');
    expect(graph).toContain('textfile=banner.txt:expansion=none');
    expect(graph).toContain(`select=${filterValue(thumbnailSelect(10))}`);
  });

  it('encodes other audio to AAC, leaves out the audio copy without audio, and switches clocks at a DST change', () => {
    expect(buildDeriveArgs({ ...src, audio: 'other' }, text, font, cfg, 10, out).join(' ')).toContain('-c:a aac -b:a 96k');
    const silent = buildDeriveArgs({ ...src, audio: null }, text, font, cfg, 10, out);
    expect(silent).not.toContain('audio.m4a');
    expect(silent).not.toContain('0:a:0');
    const dst = { ...text, timestamps: [{ span: { fromSec: 0, toSec: 59.75, offsetMin: 60 }, file: 't0.txt' }, { span: { fromSec: 59.75, toSec: null, offsetMin: 120 }, file: 't1.txt' }] };
    const graph = buildDeriveArgs(src, dst, font, cfg, 10, out).find((a) => a.includes('t0.txt'))!;
    expect(graph).toContain(`enable=${filterValue('between(t,0,59.7495)')}`);
    expect(graph).toContain(`enable=${filterValue('gte(t,59.75)')}`);
  });

  it('picks the first frame of each interval, and longer intervals for very long sessions', () => {
    expect(thumbnailSelect(10)).toBe('isnan(prev_selected_t)+gte(floor(t/10)-floor(prev_selected_t/10),1)');
    expect(thumbnailInterval(600, 10, 2000)).toBe(10);
    expect(thumbnailInterval(36_000, 10, 2000)).toBe(18);
  });
});

describe('finalize configuration and records read back', () => {
  it('names the bad field of the finalize config', () => {
    expect(parseServerConfig({}).finalize).toMatchObject({ timeZone: 'Asia/Shanghai', maxHeight: 720, preset: 'veryfast', crf: 23, thumbnailEverySec: 10, fontFile: null });
    const bad: Array<[unknown, RegExp]> = [
      [{ timeZone: 'Nowhere/City' }, /finalize\.timeZone: must be an IANA time zone/],
      [{ preset: 'placebo' }, /finalize\.preset/],
      [{ maxHeight: 721 }, /finalize\.maxHeight/],
      [{ crf: 99 }, /finalize\.crf/],
      [{ thumbnailEverySec: 0 }, /finalize\.thumbnailEverySec/],
      [{ colour: 'red' }, /finalize: Unrecognized key/],
    ];
    for (const [finalize, message] of bad) {
      expect(() => parseServerConfig({ finalize })).toThrow(ValidationError);
      expect(() => parseServerConfig({ finalize })).toThrow(message);
    }
  });

  it('refuses a record.json that is not JSON or not a record, naming the field', () => {
    expect(() => parseArchiveRecord(Buffer.from('{'), 'archive/x/record.json')).toThrow(IntegrityError);
    expect(() => parseArchiveRecord(Buffer.from('{'), 'archive/x/record.json')).toThrow(/archive\/x\/record\.json is not valid JSON/);
    expect(() => parseArchiveRecord(Buffer.from('{"v":1}'), 'r.json')).toThrow(/r\.json is not a valid archive record: sessionId: .*derived/);
  });
});
