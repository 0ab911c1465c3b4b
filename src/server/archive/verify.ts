import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FfmpegInfo } from '../../platform/ffmpeg.js';
import { decodeErrors, probeMedia } from '../../platform/probe.js';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { hashFile } from '../storage/fs-blob-store.js';
import type { BlobStore } from '../storage/blob-store.js';
import { parseArchiveRecord, type ArchiveRecord } from './archive-record.js';
import { listDerivedFiles } from './derived-files.js';
import { verifyEvidence, type Check, type EvidenceDeps } from './evidence.js';

/** Largest accepted difference between the archived MP4 and the recorded media, seconds. */
export const DURATION_TOLERANCE_SEC = 0.2;

export interface VerifyReport {
  sessionId: string;
  ok: boolean;
  checks: Check[];
  problems: string[];
  /** `path`: where the recording is on this machine (null when the store is remote). */
  recording: { path: string | null; durationSec: number | null; mediaDurationSec: number | null };
}

/**
 * Independently re-checks an archived session: the evidence chain (signature, segment hashes,
 * links, decryption), then the archived MP4 (hash on record, clean decode of every stream,
 * duration against the recorded media within DURATION_TOLERANCE_SEC), then each derived file
 * (hash against derived_files and record.json; final video and audio copy durations likewise).
 * Files in a remote store (S3) are copied to a temporary folder for the checks.
 */
export async function verifyArchivedSession(archive: EvidenceDeps, ff: FfmpegInfo, sessionId: string): Promise<VerifyReport> {
  const tmp = await mkdtemp(join(tmpdir(), 'dualrec-verify-'));
  try {
    const ev = await verifyEvidence(archive, sessionId, { joinTo: join(tmp, 'joined.ts') });
    const checks = [...ev.checks];
    const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
    const row = await archive.db.selectFrom('archives').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
    let path: string | null = null;
    let durationSec: number | null = null;
    if (!row) {
      add('recording', false, 'the session has no archived recording');
    } else {
      path = archive.store.localPath(row.mp4_key);
      let record: ArchiveRecord | null = null;
      try {
        record = parseArchiveRecord(await archive.store.get(row.record_key), row.record_key);
      } catch (err) {
        add('record', false, (err as Error).message);
      }
      const local = await localCopy(archive.store, row.mp4_key, tmp);
      const sha = await hashFile(local);
      const shaOk = sha === row.mp4_sha256 && record?.recording.sha256 === row.mp4_sha256;
      add('recording hash', shaOk, shaOk ? `recording.mp4 SHA-256 ${sha.slice(0, 16)}… matches the archive record` : `recording.mp4 SHA-256 ${sha.slice(0, 16)}… does not match the archive record`);
      const errors = await decodeErrors(ff, local);
      add('decode', errors.length === 0, errors.length === 0 ? 'every stream decodes without error' : errors.slice(0, 3).join(' | '));
      const probe = await probeMedia(ff, local);
      const kinds = probe.streams.map((s) => s.codec_type);
      add('streams', kinds.includes('video') && kinds.includes('audio'), `streams: ${probe.streams.map((s) => `${s.codec_type}/${s.codec_name ?? '?'}`).join(', ')}`);
      durationSec = probe.format.duration ?? null;
      const media = ev.manifest?.mediaDurationSec ?? null;
      if (durationSec !== null && media !== null) {
        const delta = Math.abs(durationSec - media);
        add('duration', delta <= DURATION_TOLERANCE_SEC, `recording ${durationSec.toFixed(3)} s vs recorded media ${media.toFixed(3)} s (difference ${delta.toFixed(3)} s, allowed ${DURATION_TOLERANCE_SEC} s)`);
      }
      if (record) checks.push(...(await derivedChecks(archive, ff, sessionId, record, media, tmp)));
    }
    const problems = checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    return { sessionId, ok: problems.length === 0, checks, problems, recording: { path, durationSec, mediaDurationSec: ev.manifest?.mediaDurationSec ?? null } };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** A local path of a stored file: its own in a local store, else a copy in `tmp`. */
async function localCopy(store: BlobStore, key: string, tmp: string): Promise<string> {
  const path = store.localPath(key);
  if (path) return path;
  const copy = join(tmp, key.replace(/\//g, '_'));
  await pipeline(await store.stream(key), createWriteStream(copy));
  return copy;
}

/** Each derived file: stored bytes hash to what derived_files and record.json say; media durations match. */
async function derivedChecks(archive: EvidenceDeps, ff: FfmpegInfo, sessionId: string, record: ArchiveRecord, media: number | null, tmp: string): Promise<Check[]> {
  const checks: Check[] = [];
  const rows = await listDerivedFiles(archive.db, sessionId);
  const listed = (xs: ReadonlyArray<{ kind: string }>) => xs.map((x) => x.kind).sort().join(', ');
  const same = listed(rows) === listed(record.derived);
  checks.push({ name: 'derived files', ok: same && rows.length > 0, detail: same ? `derived: ${listed(rows) || 'none'}` : `derived_files lists ${listed(rows) || 'none'}, record.json lists ${listed(record.derived) || 'none'}` });
  for (const row of rows) {
    const name = `derived ${row.kind}`;
    let path: string;
    try {
      path = await localCopy(archive.store, row.key, tmp);
    } catch (err) {
      checks.push({ name, ok: false, detail: `${row.key} cannot be read: ${(err as Error).message}` });
      continue;
    }
    const sha = await hashFile(path);
    const ok = sha === row.sha256 && record.derived.find((d) => d.kind === row.kind)?.sha256 === row.sha256;
    checks.push({ name, ok, detail: ok ? `${row.key} SHA-256 ${sha.slice(0, 16)}… matches derived_files and the record` : `${row.key} SHA-256 ${sha.slice(0, 16)}… does not match derived_files (${row.sha256.slice(0, 16)}…) or the record` });
    if (ok && media !== null && (row.kind === 'final-video' || row.kind === 'audio')) {
      const d = (await probeMedia(ff, path)).format.duration ?? 0;
      const delta = Math.abs(d - media);
      checks.push({ name: `${name} duration`, ok: delta <= DURATION_TOLERANCE_SEC, detail: `${row.key} ${d.toFixed(3)} s vs recorded media ${media.toFixed(3)} s (difference ${delta.toFixed(3)} s)` });
    }
  }
  return checks;
}
