import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FfmpegInfo } from '../../platform/ffmpeg.js';
import { decodeErrors, probeMedia } from '../../platform/probe.js';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { hashFile } from '../storage/fs-blob-store.js';
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
 * duration against the recorded media within DURATION_TOLERANCE_SEC). A recording in a remote
 * store (S3) is copied to a temporary file for the checks.
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
      const record = JSON.parse((await archive.store.get(row.record_key)).toString('utf8')) as { recording?: { sha256?: string }; signature?: string };
      const local = path ?? join(tmp, 'recording.mp4');
      if (!path) await pipeline(await archive.store.stream(row.mp4_key), createWriteStream(local));
      const sha = await hashFile(local);
      const shaOk = sha === row.mp4_sha256 && record.recording?.sha256 === row.mp4_sha256;
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
    }
    const problems = checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    return { sessionId, ok: problems.length === 0, checks, problems, recording: { path, durationSec, mediaDurationSec: ev.manifest?.mediaDurationSec ?? null } };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
