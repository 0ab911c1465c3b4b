import { z } from 'zod';
import { IntegrityError, describeIssues } from '../../core/errors.js';
import { Sha256Hex } from '../../protocol/ids.js';
import { DerivedFileEntry } from './derived-files.js';

export function archiveKeys(sessionId: string): { mp4: string; record: string } {
  return { mp4: `archive/${sessionId}/recording.mp4`, record: `archive/${sessionId}/record.json` };
}

/** How the derived files were made: enough to explain every pixel of the burned-in text. */
export const RenderInfo = z.strictObject({
  timeZone: z.string(),
  /** UTC offsets used, with the media time each applies from (more than one across a DST change). */
  offsets: z.array(z.strictObject({ fromSec: z.number(), offset: z.string() })),
  font: z.strictObject({ file: z.string(), family: z.string(), cjk: z.boolean() }),
  watermark: z.strictObject({ label: z.string(), branch: z.string().nullable(), booth: z.string(), sessionId: z.string() }),
  video: z.strictObject({ width: z.number().int(), height: z.number().int(), codec: z.literal('h264'), preset: z.string(), crf: z.number().int() }),
  /** `copy`: the recording's AAC packets unchanged; `aac`: encoded from another codec; null: no audio. */
  audio: z.enum(['copy', 'aac']).nullable(),
  thumbnails: z.strictObject({ everySec: z.number(), count: z.number().int(), columns: z.number().int(), rows: z.number().int() }),
});
export type RenderInfo = z.infer<typeof RenderInfo>;

/**
 * The archive record stored beside the recording (record.json, write-once): everything
 * `dualrec verify` needs, and the derived files with their hashes.
 */
export const ArchiveRecord = z.strictObject({
  v: z.literal(1),
  sessionId: z.string(),
  boothId: z.string(),
  boothPublicKey: z.string(),
  manifest: z.unknown(),
  signature: z.string(),
  recording: z.strictObject({ key: z.string(), sha256: Sha256Hex, bytes: z.number().int(), durationSec: z.number(), streams: z.array(z.string()) }),
  segments: z.array(z.strictObject({ seq: z.number().int(), key: z.string(), sha256: Sha256Hex })),
  /** Files derived from the recording (final video, audio copy, thumbnail strip and index). */
  derived: z.array(DerivedFileEntry),
  render: RenderInfo,
  archivedAt: z.string(),
  ffmpeg: z.string(),
});
export type ArchiveRecord = z.infer<typeof ArchiveRecord>;

/** Parses a stored record.json; IntegrityError naming the problem when it is not one. */
export function parseArchiveRecord(bytes: Buffer, key: string): ArchiveRecord {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new IntegrityError('archive.record_invalid', `${key} is not valid JSON`);
  }
  const r = ArchiveRecord.safeParse(json);
  if (!r.success) throw new IntegrityError('archive.record_invalid', `${key} is not a valid archive record: ${describeIssues(r.error.issues)}`);
  return r.data;
}
