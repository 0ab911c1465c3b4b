import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { canonicalJson } from '../../core/canonical-json.js';
import { DependencyError, IntegrityError } from '../../core/errors.js';
import type { FfmpegInfo } from '../../platform/ffmpeg.js';
import type { Logger } from '../../platform/log.js';
import { decodeErrors, probeMedia } from '../../platform/probe.js';
import { segmentKey } from '../ingest/views.js';
import { hashFile } from '../storage/fs-blob-store.js';
import { verifyEvidence, type EvidenceDeps } from './evidence.js';

const execFileAsync = promisify(execFile);

export function archiveKeys(sessionId: string): { mp4: string; record: string } {
  return { mp4: `archive/${sessionId}/recording.mp4`, record: `archive/${sessionId}/record.json` };
}

/** The archive record stored beside the recording: everything `dualrec verify` needs. */
export interface ArchiveRecord {
  v: 1;
  sessionId: string;
  boothId: string;
  boothPublicKey: string;
  manifest: unknown;
  signature: string;
  recording: { key: string; sha256: string; bytes: number; durationSec: number; streams: string[] };
  segments: Array<{ seq: number; key: string; sha256: string }>;
  archivedAt: string;
  ffmpeg: string;
}

/**
 * Turns a finished session into archived evidence: verify everything, decrypt and join the
 * MPEG-TS segments byte for byte, remux (no re-encode) to one MP4, check it decodes, and store the
 * MP4 and its record write-once. Throws IntegrityError (permanent) when the evidence does not verify.
 */
export class Archiver {
  constructor(
    private readonly deps: EvidenceDeps & { ff: FfmpegInfo; workDir: string },
    private readonly log: Logger,
  ) {}

  /**
   * Idempotent: a session that is already archived is left as it is, and a run interrupted after
   * storing the MP4 or the record reuses what was stored (write-once) instead of failing on it.
   */
  async finalize(sessionId: string): Promise<void> {
    const log = this.log.child({ sessionId });
    const done = await this.deps.db.selectFrom('archives').select('session_id').where('session_id', '=', sessionId).executeTakeFirst();
    if (done) {
      log.info('already archived');
      return;
    }
    const work = join(this.deps.workDir, `${sessionId}-${randomBytes(4).toString('hex')}`);
    await mkdir(work, { recursive: true, mode: 0o700 });
    try {
      const joined = join(work, 'joined.ts');
      const ev = await verifyEvidence(this.deps, sessionId, { joinTo: joined });
      if (ev.problems.length > 0 || !ev.manifest || !ev.boothPublicKey) {
        throw new IntegrityError('archive.evidence_invalid', `session ${sessionId} does not verify: ${ev.problems.join('; ')}`);
      }
      const mp4 = join(work, 'recording.mp4');
      try {
        await execFileAsync(this.deps.ff.ffmpeg, ['-hide_banner', '-nostdin', '-v', 'error', '-f', 'mpegts', '-i', joined, '-map', '0', '-c', 'copy', '-movflags', '+faststart', mp4], {
          timeout: 30 * 60_000,
        });
      } catch (cause) {
        throw new DependencyError('archive.remux_failed', `ffmpeg could not join session ${sessionId}: ${(cause as { stderr?: string }).stderr ?? String(cause)}`, undefined, { cause });
      }
      const keys = archiveKeys(sessionId);
      // A previous interrupted run may have stored the MP4 already: keep that one (write-once).
      const storedMp4 = this.deps.store.localPath(keys.mp4);
      const reuse = storedMp4 !== null && (await this.deps.store.has(keys.mp4));
      const finalMp4 = reuse ? storedMp4 : mp4;
      const errors = await decodeErrors(this.deps.ff, finalMp4);
      if (errors.length > 0) throw new IntegrityError('archive.decode_failed', `the joined recording of ${sessionId} does not decode cleanly: ${errors.slice(0, 3).join(' | ')}`);
      const probe = await probeMedia(this.deps.ff, finalMp4);
      const durationSec = probe.format.duration ?? 0;
      const sha256 = await hashFile(finalMp4);
      const bytes = (await stat(finalMp4)).size;
      const session = await this.deps.db.selectFrom('sessions').select(['booth_id', 'signature']).where('session_id', '=', sessionId).executeTakeFirstOrThrow();
      const previous = (await this.deps.store.has(keys.record)) ? (JSON.parse((await this.deps.store.get(keys.record)).toString('utf8')) as Partial<ArchiveRecord>) : null;
      const archivedAt = previous?.archivedAt ?? new Date().toISOString();
      const record: ArchiveRecord = {
        v: 1,
        sessionId,
        boothId: session.booth_id,
        boothPublicKey: ev.boothPublicKey,
        manifest: ev.manifest,
        signature: session.signature ?? '',
        recording: { key: keys.mp4, sha256, bytes, durationSec, streams: probe.streams.map((s) => `${s.codec_type}:${s.codec_name ?? '?'}`) },
        segments: ev.manifest.segments.map((s) => ({ seq: s.seq, key: segmentKey(sessionId, s.seq), sha256: s.cipherSha256 })),
        archivedAt,
        ffmpeg: this.deps.ff.version,
      };
      if (!reuse) await this.deps.store.putFile(keys.mp4, mp4);
      await this.deps.store.put(keys.record, Buffer.from(canonicalJson(record)));
      await this.deps.db.transaction().execute(async (tx) => {
        await tx.insertInto('archives').values({ session_id: sessionId, mp4_key: keys.mp4, mp4_sha256: sha256, mp4_bytes: bytes, record_key: keys.record, duration_sec: durationSec, archived_at: archivedAt }).execute();
        await tx.updateTable('sessions').set({ status: 'archived', failure: null }).where('session_id', '=', sessionId).execute();
      });
      log.info({ durationSec, bytes, mediaDurationSec: ev.manifest.mediaDurationSec }, 'session archived');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
}
