// Finalize when things go wrong: no font, a worker shut down mid-render, FFmpeg failing, timing
// out or aborted; and the render with a configured font at an awkward path across a DST change.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DependencyError, DualrecError } from '../../src/core/errors.js';
import { resolveFfmpeg, type FfmpegInfo } from '../../src/platform/ffmpeg.js';
import { runFfmpeg } from '../../src/platform/ffmpeg-run.js';
import { createLogger } from '../../src/platform/log.js';
import { openArchiveStore, type ArchiveStore } from '../../src/server/archive-store.js';
import { ArchiveWorker } from '../../src/server/archive/archive-worker.js';
import { archiveKeys, parseArchiveRecord } from '../../src/server/archive/archive-record.js';
import { Archiver, type FinalizeOptions } from '../../src/server/archive/archiver.js';
import { FinalizeConfig, type FinalizeConfigInput } from '../../src/server/archive/finalize-config.js';
import { JobQueue } from '../../src/server/archive/job-queue.js';
import { listDerivedFiles } from '../../src/server/archive/derived-files.js';
import { deriveLayout } from '../../src/server/archive/render/derive-args.js';
import { resolveFont } from '../../src/server/archive/render/fonts.js';
import { renderDerived } from '../../src/server/archive/render/render-derived.js';
import { ThumbnailIndex } from '../../src/server/archive/render/thumbnails.js';
import { boothBranchWatermark } from '../../src/server/archive/watermark.js';
import { IngestService } from '../../src/server/ingest/ingest-service.js';
import { hashFile } from '../../src/server/storage/fs-blob-store.js';
import { ocrCrops, ocrFrame, readsAs } from '../helpers/frames.js';
import { recordMediaSession, type MediaSession } from '../helpers/media-session.js';
import { srcSessionCode } from '../helpers/session-code.js';
import { waitFor } from '../helpers/stack.js';

const execFileAsync = promisify(execFile);
const silent = createLogger('test', 'silent');
const STARTED_AT = '2025-03-14T01:59:26.000Z';

let dir: string;
let ff: FfmpegInfo;
let archive: ArchiveStore;
let session: MediaSession;
const archiverDeps = (finalize: FinalizeConfigInput = {}) => ({ ...archive, ff, workDir: join(dir, 'work'), finalize: FinalizeConfig.parse(finalize), watermark: boothBranchWatermark(archive.db) });
const archiver = (finalize: FinalizeConfigInput = {}) => new Archiver(archiverDeps(finalize), silent);
const job = () => archive.db.selectFrom('jobs').selectAll().where('session_id', '=', session.sessionId).executeTakeFirstOrThrow();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-finalize-recovery-'));
  ff = await resolveFfmpeg();
  archive = await openArchiveStore(join(dir, 'server'), { create: true });
  // 8 s, a 6 s hole (a recorder restart), 8 s.
  session = await recordMediaSession(srcSessionCode, ff, new IngestService(archive.db, archive.store, archive.keys, silent), dir, { seconds: 16, gapSec: 6, startedAt: STARTED_AT });
});

afterAll(async () => {
  await archive?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('finalize recovery', () => {
  let originalSha: string;

  it('fails clearly without a font, after storing the exact original, and commits nothing', async () => {
    const err = await archiver({ fontFile: join(dir, 'no-such-font.ttc') }).finalize(session.sessionId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyError);
    expect(err).toMatchObject({ code: 'finalize.no_font', message: expect.stringContaining('no-such-font.ttc does not exist') });
    const keys = archiveKeys(session.sessionId);
    expect(await archive.store.has(keys.mp4)).toBe(true);
    expect(await archive.store.has(keys.record)).toBe(false);
    expect(await archive.db.selectFrom('archives').selectAll().execute()).toEqual([]);
    expect(await archive.db.selectFrom('derived_files').selectAll().execute()).toEqual([]);
    expect((await archive.db.selectFrom('sessions').select('status').where('session_id', '=', session.sessionId).executeTakeFirstOrThrow()).status).toBe('archiving');
    originalSha = await hashFile(archive.store.localPath(keys.mp4)!);
  });

  it('leaves a job interrupted by shutdown running; the next worker archives it, reusing the stored original, and reports progress', async () => {
    // The server shuts down while FFmpeg renders (called from the render's own progress report).
    let closing: Promise<void> | null = null;
    class ShutDownMidRender extends Archiver {
      override finalize(sessionId: string, opts: FinalizeOptions = {}) {
        return super.finalize(sessionId, {
          ...opts,
          onProgress: (f) => {
            opts.onProgress?.(f);
            if (f > 0.15 && f < 0.9) closing ??= first.close();
          },
        });
      }
    }
    const first: ArchiveWorker = new ArchiveWorker(archive.db, new JobQueue(archive.db, 5), new ShutDownMidRender(archiverDeps(), silent), 50, silent);
    await first.start();
    await waitFor(async () => closing !== null, 60_000, 'the render to be under way');
    await closing;
    expect(await job()).toMatchObject({ state: 'running', attempts: 1, last_error: null });
    expect((await job()).progress).toBeLessThan(1);
    expect(await archive.db.selectFrom('archives').selectAll().execute()).toEqual([]);

    const second = new ArchiveWorker(archive.db, new JobQueue(archive.db, 5), archiver(), 50, silent);
    await second.start();
    try {
      await waitFor(async () => (await job()).state === 'done', 120_000, 'the job to finish');
    } finally {
      await second.close();
    }
    expect(await job()).toMatchObject({ state: 'done', attempts: 2, progress: 1 });
    const row = await archive.db.selectFrom('archives').selectAll().where('session_id', '=', session.sessionId).executeTakeFirstOrThrow();
    expect(row.mp4_sha256).toBe(originalSha);
    const record = parseArchiveRecord(await archive.store.get(row.record_key), row.record_key);
    expect(record.derived.map((d) => d.kind).sort()).toEqual(['audio', 'final-video', 'thumbnail-index', 'thumbnails']);
  });

  it('keeps the timeline across a recorder restart: durations include the hole, the clock is right after it, no tile inside it', async () => {
    const media = session.manifest.mediaDurationSec;
    expect(media).toBeGreaterThan(21.5);
    const derived = await listDerivedFiles(archive.db, session.sessionId);
    for (const d of derived.filter((x) => x.durationSec !== null)) expect(Math.abs(d.durationSec! - media), d.kind).toBeLessThanOrEqual(0.2);
    const index = ThumbnailIndex.parse(JSON.parse((await archive.store.get(derived.find((d) => d.kind === 'thumbnail-index')!.key)).toString('utf8')));
    expect(index.tiles.map((t) => Math.round(t.timeSec))).toEqual([0, 14, 20]);
    const L = deriveLayout(1280, 720, 720);
    const video = archive.store.localPath(derived.find((d) => d.kind === 'final-video')!.key)!;
    const holds = readsAs(['2025-03-14 09:59:41 UTC+08:00', 'rec 00:00:15'], 'Asia/Shanghai');
    const texts = await ocrFrame(ff, video, 15.5, ocrCrops(0, 0, L.timestampFont * 34, L.margin + L.timestampFont * 2), { lang: 'eng', psm: 7, workDir: dir, accept: holds });
    expect(holds(texts.at(-1)!), JSON.stringify(texts)).toBe(true);
  });
});

describe('FFmpeg runs', () => {
  it('name the step and carry the tail of FFmpeg stderr when FFmpeg fails', async () => {
    const notMedia = join(dir, 'not-media.mp4');
    await writeFile(notMedia, 'this is not a video');
    const err = await runFfmpeg(ff, ['-i', notMedia, '-f', 'null', '-'], { what: 'render session X', timeoutMs: 30_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyError);
    expect(err).toMatchObject({ code: 'ffmpeg.failed', message: expect.stringMatching(/^render session X: ffmpeg failed \(exit code 1\): .*Invalid data found when processing input/) });
  });

  it('are killed when they overrun their time or are aborted', async () => {
    const endless = ['-f', 'lavfi', '-re', '-i', 'testsrc2=s=320x240:r=15', '-f', 'null', '-'];
    await expect(runFfmpeg(ff, endless, { what: 'slow', timeoutMs: 500 })).rejects.toMatchObject({ code: 'ffmpeg.timeout', message: expect.stringContaining('did not finish within 1 s') });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const err = await runFfmpeg(ff, endless, { what: 'aborted', timeoutMs: 30_000, signal: abort.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DualrecError);
    expect(err).toMatchObject({ code: 'ffmpeg.aborted' });
  });
});

describe('render options', () => {
  it('uses a configured font at a path full of filtergraph specials, has no audio copy without audio, and switches the clock at a DST change (OCR)', async () => {
    const clip = join(dir, 'clip.mp4');
    await execFileAsync(ff.ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=1280x720:r=15', '-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', clip]);
    const fontDir = join(dir, "fonts, [odd]; it's: here");
    await execFileAsync('mkdir', ['-p', fontDir]);
    const fontFile = join(fontDir, 'noto.ttc');
    await symlink((await resolveFont(null)).file, fontFile);
    const out = join(dir, 'render');
    await execFileAsync('mkdir', ['-p', out]);
    // New York falls back from UTC-04:00 to UTC-05:00 at 06:00:00Z, 1.5 s into this clip.
    const cfg = FinalizeConfig.parse({ timeZone: 'America/New_York', fontFile });
    const r = await renderDerived(ff, cfg, await resolveFont(fontFile), {
      sessionId: session.sessionId,
      source: clip,
      workDir: out,
      startedAt: '2025-11-02T05:59:58.500Z',
      mediaDurationSec: 3,
      watermark: { branch: null, booth: 'b', sessionId: session.sessionId },
    });
    expect(r.files.map((f) => f.kind)).toEqual(['final-video', 'thumbnails', 'thumbnail-index']);
    expect(r.render).toMatchObject({ audio: null, offsets: [{ fromSec: 0, offset: 'UTC-04:00' }, { fromSec: 1.5, offset: 'UTC-05:00' }], font: { file: fontFile } });
    const L = deriveLayout(1280, 720, 720);
    for (const [t, wall, offset] of [[0.6, '2025-11-02 01:59:59', 'UTC-04:00'], [2.2, '2025-11-02 01:00:00', 'UTC-05:00']] as const) {
      const holds = readsAs([wall, offset], 'America/New_York');
      const texts = await ocrFrame(ff, join(out, 'final.mp4'), t, ocrCrops(0, 0, L.timestampFont * 34, L.margin + L.timestampFont * 2), { lang: 'eng', psm: 7, workDir: dir, accept: holds });
      expect(holds(texts.at(-1)!), JSON.stringify(texts)).toBe(true);
    }
  });
});
