import type { Kysely } from 'kysely';
import { z } from 'zod';
import { Sha256Hex } from '../../protocol/ids.js';
import type { ServerDb } from '../db/schema.js';

/**
 * The files the archive derives from a session's exact original (recording.mp4), for viewing and
 * listening. The original stays the evidence; each derived file is stored write-once next to it
 * with its SHA-256, in the `derived_files` table and in the session's record.json.
 */
export const DerivedKind = z.enum(['final-video', 'audio', 'thumbnails', 'thumbnail-index']);
export type DerivedKind = z.infer<typeof DerivedKind>;

export const DERIVED_FILES: Record<DerivedKind, { file: string; mediaType: string }> = {
  /** H.264 + AAC MP4 with burned-in wall-clock timestamp and watermark. */
  'final-video': { file: 'final.mp4', mediaType: 'video/mp4' },
  /** The recording's audio alone (AAC in MP4), for long-term listening. */
  audio: { file: 'audio.m4a', mediaType: 'audio/mp4' },
  /** Thumbnail strip: one tile every N seconds in a single JPEG. */
  thumbnails: { file: 'thumbnails.jpg', mediaType: 'image/jpeg' },
  /** Where each tile sits and which moment it shows (render/thumbnails.ts: ThumbnailIndex). */
  'thumbnail-index': { file: 'thumbnails.json', mediaType: 'application/json' },
};

export function derivedKey(sessionId: string, kind: DerivedKind): string {
  return `archive/${sessionId}/${DERIVED_FILES[kind].file}`;
}

/** One derived file as listed in record.json and the derived_files table. */
export const DerivedFileEntry = z.strictObject({
  kind: DerivedKind,
  key: z.string().min(1),
  sha256: Sha256Hex,
  bytes: z.number().int().min(0),
  mediaType: z.string().min(1),
  /** Media duration for video and audio, null for images and JSON. */
  durationSec: z.number().min(0).nullable(),
});
export type DerivedFileEntry = z.infer<typeof DerivedFileEntry>;

/** Rows for derived_files (inserted in the transaction that marks the session archived). */
export function derivedRows(sessionId: string, sourceSha256: string, entries: readonly DerivedFileEntry[], createdAt: string): ServerDb['derived_files'][] {
  return entries.map((e) => ({
    session_id: sessionId,
    kind: e.kind,
    storage_key: e.key,
    media_type: e.mediaType,
    sha256: e.sha256,
    bytes: e.bytes,
    duration_sec: e.durationSec,
    source_sha256: sourceSha256,
    created_at: createdAt,
  }));
}

/** The derived files of an archived session (empty when none), read back and validated. */
export async function listDerivedFiles(db: Kysely<ServerDb>, sessionId: string): Promise<DerivedFileEntry[]> {
  const rows = await db.selectFrom('derived_files').selectAll().where('session_id', '=', sessionId).orderBy('kind').execute();
  return rows.map((r) => DerivedFileEntry.parse({ kind: r.kind, key: r.storage_key, sha256: r.sha256, bytes: Number(r.bytes), mediaType: r.media_type, durationSec: r.duration_sec }));
}
