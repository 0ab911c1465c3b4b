import { fileTypeFromFile } from 'file-type';
import { DependencyError, ValidationError } from '../../core/errors.js';
import { CONTENT_MIME, ContentMime, contentKindOf, type ContentKind } from '../../protocol/catalogue.js';
import type { FfmpegInfo } from '../../platform/ffmpeg.js';
import { probeMedia, type ProbeResult } from '../../platform/probe.js';

/** What sniffing the first bytes may report for each accepted type (file-type's spellings). */
const SNIFFED_AS: Readonly<Record<ContentMime, readonly string[]>> = {
  'video/mp4': ['video/mp4'],
  'video/webm': ['video/webm'],
  'audio/mpeg': ['audio/mpeg'],
  'audio/mp4': ['audio/mp4', 'audio/x-m4a', 'video/mp4'],
  'audio/ogg': ['audio/ogg', 'audio/ogg; codecs=opus', 'audio/opus'],
  'audio/wav': ['audio/wav', 'audio/vnd.wave', 'audio/x-wav'],
  'audio/webm': ['video/webm', 'audio/webm'],
  'image/png': ['image/png'],
  'image/jpeg': ['image/jpeg'],
  'image/webp': ['image/webp'],
};

/** Still-image codecs an audio file may carry as cover art (not a video). */
const COVER_ART = new Set(['mjpeg', 'png', 'bmp', 'gif', 'webp']);

export interface CheckedContent {
  mime: ContentMime;
  kind: ContentKind;
  /** Measured with ffprobe for video and audio; null for images. */
  durationSec: number | null;
}

/** The declared media type without parameters, if it is one the catalogue accepts. */
export function parseDeclaredMime(contentType: string | undefined): ContentMime {
  const base = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const r = ContentMime.safeParse(base);
  if (!r.success) {
    const all = Object.values(CONTENT_MIME).flat().join(', ');
    throw new ValidationError('content.unsupported_type', `content type ${JSON.stringify(base || '(none)')} is not accepted; send one of ${all}`);
  }
  return r.data;
}

/**
 * Checks that a received file is what its declared type says: its first bytes (file-type) match
 * the type, and for video and audio ffprobe opens it, finds the right streams and a duration.
 * Throws ValidationError naming the mismatch.
 */
export async function checkContent(ff: FfmpegInfo, file: string, declared: ContentMime): Promise<CheckedContent> {
  const kind = contentKindOf(declared);
  const sniffed = await fileTypeFromFile(file);
  if (!sniffed) throw new ValidationError('content.unrecognised', `the content is declared ${declared} but its first bytes are not any supported video, audio or image format`);
  if (!SNIFFED_AS[declared].includes(sniffed.mime)) {
    throw new ValidationError('content.mime_mismatch', `the content is declared ${declared} but its first bytes are ${sniffed.mime}`);
  }
  if (kind === 'image') return { mime: declared, kind, durationSec: null };
  let probe: ProbeResult;
  try {
    probe = await probeMedia(ff, file);
  } catch (cause) {
    if (cause instanceof DependencyError) throw cause;
    throw new ValidationError('content.undecodable', `the ${declared} content cannot be opened as media: ${firstLine(cause)}`, undefined, { cause });
  }
  const video = probe.streams.filter((s) => s.codec_type === 'video' && !COVER_ART.has(s.codec_name ?? ''));
  const audio = probe.streams.filter((s) => s.codec_type === 'audio');
  if (kind === 'video' && video.length === 0) throw new ValidationError('content.no_video', `the ${declared} content has no video stream`);
  if (kind === 'audio' && audio.length === 0) throw new ValidationError('content.no_audio', `the ${declared} content has no audio stream`);
  if (kind === 'audio' && video.length > 0) throw new ValidationError('content.mime_mismatch', `the content is declared ${declared} but holds video; declare it as video`);
  const duration = probe.format.duration;
  if (duration === undefined || !Number.isFinite(duration) || duration <= 0) throw new ValidationError('content.no_duration', `the ${declared} content has no measurable duration`);
  return { mime: declared, kind, durationSec: Math.round(duration * 1000) / 1000 };
}

function firstLine(err: unknown): string {
  const stderr = (err as { stderr?: string }).stderr;
  const text = stderr && stderr.trim() ? stderr : (err as Error).message;
  return text.trim().split('\n')[0]!.slice(0, 300);
}
