// Finalize of a real session (FFmpeg test pattern with camera inset + tone, sealed by the booth's
// sealer, ingested by the server): the derived files (final video with burned-in timestamp and
// watermark, audio copy, thumbnail strip and index) are stored write-once with their hashes, their
// durations match the recorded media, and the burned-in text is read back from frames (OCR).
// Default: a 24 s 720p session. DUALREC_LONG=1: the 10-minute 720p session
// (DUALREC_FINALIZE_SECONDS sets any length).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/core/chain.js';
import { resolveFfmpeg, type FfmpegInfo } from '../../src/platform/ffmpeg.js';
import { createLogger } from '../../src/platform/log.js';
import { probeMedia } from '../../src/platform/probe.js';
import { openArchiveStore, type ArchiveStore } from '../../src/server/archive-store.js';
import { archiveKeys, parseArchiveRecord } from '../../src/server/archive/archive-record.js';
import { Archiver, type FinalizeReport } from '../../src/server/archive/archiver.js';
import { listDerivedFiles, type DerivedFileEntry } from '../../src/server/archive/derived-files.js';
import { FinalizeConfig } from '../../src/server/archive/finalize-config.js';
import { deriveLayout, tileLayer } from '../../src/server/archive/render/derive-args.js';
import { drawtextFont } from '../../src/server/archive/render/filtergraph.js';
import { resolveFont } from '../../src/server/archive/render/fonts.js';
import { tilePhrase, tileText } from '../../src/server/archive/render/overlay-text.js';
import { ThumbnailIndex } from '../../src/server/archive/render/thumbnails.js';
import { verifyArchivedSession } from '../../src/server/archive/verify.js';
import { boothBranchWatermark } from '../../src/server/archive/watermark.js';
import { MemoryAuditLog } from '../../src/server/audit/memory-audit-log.js';
import { CLI_ACTOR } from '../../src/server/auth/admin-actor.js';
import { BranchAdmin } from '../../src/server/auth/branch-admin.js';
import { IngestService } from '../../src/server/ingest/ingest-service.js';
import { grayFrame, ocrCrops, ocrFrame, readsAs, substringEdits } from '../helpers/frames.js';
import { recordMediaSession, type MediaSession } from '../helpers/media-session.js';
import { srcSessionCode } from '../helpers/session-code.js';

const execFileAsync = promisify(execFile);
const SECONDS = Number(process.env.DUALREC_FINALIZE_SECONDS ?? (process.env.DUALREC_LONG === '1' ? 600 : 24));
const STARTED_AT = '2025-03-14T01:59:26.000Z';
const EVERY = 5;
const silent = createLogger('test', 'silent');

let dir: string;
let ff: FfmpegInfo;
let archive: ArchiveStore;
let session: MediaSession;
let report: FinalizeReport;
let derived: DerivedFileEntry[];
const progress: number[] = [];
const path = (kind: DerivedFileEntry['kind']) => archive.store.localPath(derived.find((d) => d.kind === kind)!.key)!;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-finalize-'));
  ff = await resolveFfmpeg();
  archive = await openArchiveStore(join(dir, 'server'), { create: true });
  const ingest = new IngestService(archive.db, archive.store, archive.keys, silent);
  await new BranchAdmin(archive.db, new MemoryAuditLog()).create(CLI_ACTOR, { branchId: 'sh-01', name: '上海分行' });
  session = await recordMediaSession(srcSessionCode, ff, ingest, dir, { seconds: SECONDS, startedAt: STARTED_AT, boothName: 'test-booth', branchId: 'sh-01' });
  const archiver = new Archiver({ ...archive, ff, workDir: join(dir, 'work'), finalize: FinalizeConfig.parse({ thumbnailEverySec: EVERY }), watermark: boothBranchWatermark(archive.db) }, silent);
  report = (await archiver.finalize(session.sessionId, { onProgress: (f) => progress.push(f) }))!;
  derived = await listDerivedFiles(archive.db, session.sessionId);
  const errors = derived.filter((d) => d.durationSec !== null).map((d) => `${d.kind} ${Math.abs(d.durationSec! - report.mediaDurationSec).toFixed(3)} s`);
  console.info(
    `finalize of ${SECONDS} s 720p: ${report.seconds.total.toFixed(1)} s (${(report.mediaDurationSec / report.seconds.total).toFixed(2)}x real time; render pass ${report.seconds.render.toFixed(1)} s); duration error ${errors.join(', ')}; session made in ${session.seconds.render.toFixed(1)} + ${session.seconds.sealAndIngest.toFixed(1)} s`,
  );
}, 60 * 60_000);

afterAll(async () => {
  await archive?.close();
  await rm(dir, { recursive: true, force: true });
});

/** "2025-03-14 09:59:31": the wall clock in Shanghai `sec` seconds into the recording. */
function shanghai(sec: number): string {
  const f = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  return f.format(new Date(Date.parse(STARTED_AT) + Math.floor(sec) * 1000));
}

describe(`finalize of a ${SECONDS} s 720p session`, () => {
  it('stores the final video and the audio copy with durations equal to the recorded media within 0.2 s', async () => {
    const media = session.manifest.mediaDurationSec;
    expect(media).toBeGreaterThan(SECONDS - 0.5);
    const video = await probeMedia(ff, path('final-video'));
    expect(video.streams.map((s) => `${s.codec_type}:${s.codec_name}`)).toEqual(['video:h264', 'audio:aac']);
    expect(video.streams[0]).toMatchObject({ width: 1280, height: 720 });
    expect(Math.abs(video.format.duration! - media)).toBeLessThanOrEqual(0.2);
    const audio = await probeMedia(ff, path('audio'));
    expect(audio.streams.map((s) => `${s.codec_type}:${s.codec_name}`)).toEqual(['audio:aac']);
    expect(Math.abs(audio.format.duration! - media)).toBeLessThanOrEqual(0.2);
    expect(report.recording.durationSec).toBeCloseTo(video.format.duration!, 1);
  });

  it('copies the recorded audio bit for bit into the audio copy', async () => {
    const md5 = async (file: string) => (await execFileAsync(ff.ffmpeg, ['-v', 'error', '-i', file, '-map', '0:a', '-c', 'copy', '-f', 'md5', '-'])).stdout.trim();
    expect(await md5(path('audio'))).toBe(await md5(archive.store.localPath(archiveKeys(session.sessionId).mp4)!));
  });

  it('records each derived file with the SHA-256 and size of its stored bytes, in derived_files and record.json', async () => {
    expect(derived.map((d) => d.kind).sort()).toEqual(['audio', 'final-video', 'thumbnail-index', 'thumbnails']);
    const record = parseArchiveRecord(await archive.store.get(archiveKeys(session.sessionId).record), 'record.json');
    for (const d of derived) {
      const bytes = await archive.store.get(d.key);
      expect({ kind: d.kind, sha256: sha256Hex(bytes), bytes: bytes.length }).toEqual({ kind: d.kind, sha256: d.sha256, bytes: d.bytes });
      expect(record.derived.find((r) => r.kind === d.kind)).toEqual(d);
    }
    const row = await archive.db.selectFrom('derived_files').select(['source_sha256']).where('session_id', '=', session.sessionId).execute();
    expect(new Set(row.map((r) => r.source_sha256))).toEqual(new Set([record.recording.sha256]));
    expect(record.render).toMatchObject({ timeZone: 'Asia/Shanghai', offsets: [{ fromSec: 0, offset: 'UTC+08:00' }], audio: 'copy', watermark: { label: 'CONFIDENTIAL 机密', branch: '上海分行 (sh-01)', booth: 'test-booth' } });
    const verified = await verifyArchivedSession(archive, ff, session.sessionId);
    expect(verified.problems).toEqual([]);
    expect(verified.checks.map((c) => c.name)).toEqual(expect.arrayContaining(['derived final-video', 'derived final-video duration', 'derived audio duration', 'derived thumbnails']));
  });

  it('reports progress that rises to 1', () => {
    expect(progress.length).toBeGreaterThan(3);
    expect(progress.at(-1)).toBe(1);
    expect(progress.every((p, i) => i === 0 || p >= progress[i - 1]!)).toBe(true);
  });

  it('burns in the wall clock in Asia/Shanghai, naming the zone, advancing with the media (OCR)', async () => {
    const L = deriveLayout(1280, 720, 720);
    const times = [5.5, SECONDS - 3.5, ...(SECONDS >= 600 ? [300.5] : [])];
    for (const t of times) {
      // Digits exactly (look-alike letters folded): a wrong second or zone fails.
      const holds = readsAs([`${shanghai(t)} UTC+08:00`, `rec 00:${String(Math.floor(t / 60)).padStart(2, '0')}:${String(Math.floor(t) % 60).padStart(2, '0')}`], 'Asia/Shanghai');
      const texts = await ocrFrame(ff, path('final-video'), t, ocrCrops(0, 0, L.timestampFont * 34, L.margin + L.timestampFont * 2), { lang: 'eng', psm: 7, workDir: dir, accept: holds });
      expect(holds(texts.at(-1)!), JSON.stringify(texts)).toBe(true);
    }
  });

  it('burns in the banner: CONFIDENTIAL 机密, session, branch (from the booth\'s enrollment) and booth (OCR)', async () => {
    const L = deriveLayout(1280, 720, 720);
    const h = Math.round(L.margin + L.bannerFont * 3.4);
    // OCR misreads a character of the UUID now and then (1/l, c/e); another session's differs in ~30.
    const holds = (x: string) =>
      x.includes('CONFIDENTIAL 机密 | session') && substringEdits(x, `session ${session.sessionId}`) <= 3 && substringEdits(x.replace(/ /g, ''), 'branch:上海分行(sh-01)|booth:test-booth') <= 2;
    for (const t of [2.5, SECONDS / 2]) {
      const texts = await ocrFrame(ff, path('final-video'), t, ocrCrops(0, 720 - h, L.bannerFont * 34, h), { lang: 'chi_sim+eng', psm: 6, workDir: dir, accept: holds });
      expect(holds(texts.at(-1)!), JSON.stringify(texts)).toBe(true);
    }
  });

  it('tiles the watermark over the whole picture, where the rendered layer says it is', async () => {
    // The watermark layer alone (same text and layout), its alpha as a mask.
    const L = deriveLayout(1280, 720, 720);
    const font = await resolveFont(null);
    await writeFile(join(dir, 'tile.txt'), tileText(tilePhrase({ branch: '上海分行 (sh-01)', booth: 'test-booth', sessionId: session.sessionId }, font.cjk), L.tileFont, L.tileCanvas, L.tileLineSpacing));
    const { stdout: mask } = await execFileAsync(ff.ffmpeg, ['-v', 'error', '-filter_complex', `${tileLayer(drawtextFont(font), L, 'tile.txt')},alphaextract,format=gray[m]`, '-map', '[m]', '-frames:v', '1', '-f', 'rawvideo', '-'], {
      cwd: dir,
      encoding: 'buffer',
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(mask.length).toBe(1280 * 720);
    const t = SECONDS / 2 + 0.3;
    const marked = await grayFrame(ff, path('final-video'), t);
    const original = await grayFrame(ff, archive.store.localPath(archiveKeys(session.sessionId).mp4)!, t);
    // In each quadrant (away from the text boxes): pixels under the watermark differ from the
    // original far more than the rest (which differ only by the second encode).
    for (const [x0, y0] of [[0, 80], [640, 80], [0, 360], [640, 360]] as const) {
      let on = 0, onN = 0, off = 0, offN = 0;
      for (let y = y0; y < y0 + 280; y++) {
        for (let x = x0; x < x0 + 640; x++) {
          const i = y * 1280 + x;
          const d = Math.abs(marked[i]! - original[i]!);
          if (mask[i]! > 30) {
            on += d;
            onN++;
          } else if (mask[i] === 0) {
            off += d;
            offN++;
          }
        }
      }
      expect(onN).toBeGreaterThan(2000);
      const [meanOn, meanOff] = [on / onN, off / offN];
      expect(meanOn, `quadrant ${x0},${y0}: ${meanOn.toFixed(1)} vs ${meanOff.toFixed(1)}`).toBeGreaterThan(Math.max(8, 3 * meanOff));
    }
  });

  it(`makes a thumbnail strip with one tile every ${EVERY} s and an index of where each is`, async () => {
    const index = ThumbnailIndex.parse(JSON.parse(await readFile(path('thumbnail-index'), 'utf8')));
    const lastFrame = report.recording.durationSec - 0.1;
    const expected = Math.floor(lastFrame / EVERY) + 1;
    expect(index).toMatchObject({ count: expected, everySec: EVERY, tileWidth: 160, tileHeight: 90, columns: Math.min(10, expected), rows: Math.ceil(expected / 10) });
    expect(index.tiles).toHaveLength(expected);
    index.tiles.forEach((tile, i) => {
      expect(tile.timeSec).toBeGreaterThanOrEqual(i * EVERY);
      expect(tile.timeSec).toBeLessThan(i * EVERY + 0.1);
      expect(tile.at).toBe(new Date(Date.parse(STARTED_AT) + Math.round(tile.timeSec * 1000)).toISOString());
    });
    const sprite = await probeMedia(ff, path('thumbnails'));
    expect(sprite.streams[0]).toMatchObject({ codec_name: 'mjpeg', width: index.columns * 160, height: index.rows * 90 });
  });
});
