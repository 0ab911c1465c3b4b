import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson } from '../../../core/canonical-json.js';
import { DependencyError } from '../../../core/errors.js';
import type { FfmpegInfo } from '../../../platform/ffmpeg.js';
import { runFfmpeg } from '../../../platform/ffmpeg-run.js';
import { probeMedia } from '../../../platform/probe.js';
import type { RenderInfo } from '../archive-record.js';
import { DERIVED_FILES, derivedKey, type DerivedKind } from '../derived-files.js';
import type { FinalizeConfig } from '../finalize-config.js';
import type { WatermarkInfo } from '../watermark.js';
import { buildDeriveArgs, deriveLayout, type DeriveSource } from './derive-args.js';
import type { FontChoice } from './fonts.js';
import { bannerText, cleanLabel, confidentialLabel, tilePhrase, tileText, timestampText } from './overlay-text.js';
import { buildThumbnailStrip, thumbnailInterval, type ThumbnailIndex } from './thumbnails.js';
import { offsetLabel, zoneSpans } from './time-zone.js';

export interface RenderRequest {
  sessionId: string;
  /** The archived recording (recording.mp4). */
  source: string;
  /** An empty private folder for the outputs; FFmpeg runs in it. */
  workDir: string;
  /** The session's recorded start (manifest startedAt): media time 0 on the burned-in clock. */
  startedAt: string;
  mediaDurationSec: number;
  watermark: WatermarkInfo;
  signal?: AbortSignal;
  /** Fraction done (0..1), about once a second. */
  onProgress?: (fraction: number) => void;
}

export interface RenderedFile {
  kind: DerivedKind;
  path: string;
  durationSec: number | null;
}

export interface RenderResult {
  files: RenderedFile[];
  render: RenderInfo;
  thumbnails: ThumbnailIndex;
  /** Wall time of the one derive pass and of tiling the thumbnail strip, seconds. */
  timings: { passSec: number; stripSec: number };
}

/** Share of the work that is the derive pass (the strip and probes are the rest). */
const PASS_SHARE = 0.97;

/**
 * Makes the derived files of one session from its archived recording: one FFmpeg pass for the
 * final video, the audio copy and the thumbnail frames, then the thumbnail strip and its index.
 * Throws DependencyError with FFmpeg's stderr tail when a step fails.
 */
export async function renderDerived(ff: FfmpegInfo, cfg: FinalizeConfig, font: FontChoice, req: RenderRequest): Promise<RenderResult> {
  const probe = await probeMedia(ff, req.source);
  const video = probe.streams.find((s) => s.codec_type === 'video');
  if (!video?.width || !video.height) throw new DependencyError('finalize.no_video', `the recording of session ${req.sessionId} has no video stream with a size`);
  const audio = probe.streams.find((s) => s.codec_type === 'audio');
  const src: DeriveSource = { path: req.source, width: video.width, height: video.height, audio: audio ? (audio.codec_name === 'aac' ? 'aac' : 'other') : null };

  const startMs = Date.parse(req.startedAt);
  const spans = zoneSpans(cfg.timeZone, startMs, req.mediaDurationSec);
  const timestamps = spans.map((span, i) => ({ span, file: `timestamp-${i}.txt` }));
  for (const t of timestamps) await writeFile(join(req.workDir, t.file), timestampText(startMs, t.span, cfg.timeZone));
  const layout = deriveLayout(src.width, src.height, cfg.maxHeight);
  await writeFile(join(req.workDir, 'banner.txt'), bannerText(req.watermark, font.cjk));
  await writeFile(join(req.workDir, 'tile.txt'), tileText(tilePhrase(req.watermark, font.cjk), layout.tileFont, layout.tileCanvas, layout.tileLineSpacing));

  const everySec = thumbnailInterval(req.mediaDurationSec, cfg.thumbnailEverySec, cfg.maxTiles);
  const out = { video: DERIVED_FILES['final-video'].file, audio: DERIVED_FILES.audio.file, thumbs: 'thumbs.nut' };
  const args = buildDeriveArgs(src, { timestamps, banner: 'banner.txt', tile: 'tile.txt' }, font, cfg, everySec, out);
  const pass = await runFfmpeg(ff, args, {
    what: `render the final video, audio copy and thumbnails of session ${req.sessionId}`,
    cwd: req.workDir,
    durationSec: req.mediaDurationSec,
    timeoutMs: 10 * 60_000 + req.mediaDurationSec * 4000,
    signal: req.signal,
    onProgress: (f) => req.onProgress?.(f * PASS_SHARE),
  });

  const s0 = process.hrtime.bigint();
  const thumbnails = await buildThumbnailStrip(ff, {
    cwd: req.workDir,
    thumbsFile: out.thumbs,
    spriteFile: DERIVED_FILES.thumbnails.file,
    spriteKey: derivedKey(req.sessionId, 'thumbnails'),
    sessionId: req.sessionId,
    startMs,
    everySec,
    columns: cfg.thumbnailColumns,
    signal: req.signal,
  });
  await writeFile(join(req.workDir, DERIVED_FILES['thumbnail-index'].file), canonicalJson(thumbnails));
  const stripSec = Number(process.hrtime.bigint() - s0) / 1e9;

  const durationOf = async (file: string) => (await probeMedia(ff, join(req.workDir, file))).format.duration ?? null;
  const files: RenderedFile[] = [{ kind: 'final-video', path: join(req.workDir, out.video), durationSec: await durationOf(out.video) }];
  if (src.audio) files.push({ kind: 'audio', path: join(req.workDir, out.audio), durationSec: await durationOf(out.audio) });
  files.push({ kind: 'thumbnails', path: join(req.workDir, DERIVED_FILES.thumbnails.file), durationSec: null });
  files.push({ kind: 'thumbnail-index', path: join(req.workDir, DERIVED_FILES['thumbnail-index'].file), durationSec: null });
  req.onProgress?.(1);

  const render: RenderInfo = {
    timeZone: cfg.timeZone,
    offsets: spans.map((s) => ({ fromSec: s.fromSec, offset: offsetLabel(s.offsetMin) })),
    font: { file: font.file, family: font.family, cjk: font.cjk },
    watermark: { label: confidentialLabel(font.cjk), branch: req.watermark.branch === null ? null : cleanLabel(req.watermark.branch), booth: cleanLabel(req.watermark.booth), sessionId: req.watermark.sessionId },
    video: { width: layout.width, height: layout.height, codec: 'h264', preset: cfg.preset, crf: cfg.crf },
    audio: src.audio === null ? null : src.audio === 'aac' ? 'copy' : 'aac',
    thumbnails: { everySec, count: thumbnails.count, columns: thumbnails.columns, rows: thumbnails.rows },
  };
  return { files, render, thumbnails, timings: { passSec: pass.wallSec, stripSec } };
}
