import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { canonicalJson } from '../../core/canonical-json.js';
import { IntegrityError } from '../../core/errors.js';
import type { FfmpegInfo } from '../../platform/ffmpeg.js';
import { runFfmpeg } from '../../platform/ffmpeg-run.js';
import type { Logger } from '../../platform/log.js';
import { decodeErrors, probeMedia } from '../../platform/probe.js';
import { segmentKey } from '../ingest/views.js';
import type { BlobStore } from '../storage/blob-store.js';
import { hashFile } from '../storage/fs-blob-store.js';
import { archiveKeys, parseArchiveRecord, type ArchiveRecord } from './archive-record.js';
import { derivedKey, derivedRows, DERIVED_FILES, type DerivedFileEntry } from './derived-files.js';
import { verifyEvidence, type EvidenceDeps } from './evidence.js';
import type { FinalizeConfig } from './finalize-config.js';
import { enqueueJob } from './job-queue.js';
import { resolveFont, type FontChoice } from './render/fonts.js';
import { renderDerived, type RenderedFile } from './render/render-derived.js';
import type { WatermarkResolver } from './watermark.js';

export { archiveKeys, type ArchiveRecord } from './archive-record.js';

export interface ArchiverDeps extends EvidenceDeps {
  ff: FfmpegInfo;
  /** Scratch space for joined and rendered files (deleted after each job). */
  workDir: string;
  finalize: FinalizeConfig;
  watermark: WatermarkResolver;
}

export interface FinalizeOptions {
  /** Aborting kills FFmpeg; finalize then rejects with code `ffmpeg.aborted` and stores nothing more. */
  signal?: AbortSignal;
  /** Fraction done (0..1), about once a second while rendering. */
  onProgress?: (fraction: number) => void;
}

/** What one finalize did and how long each step took (wall seconds); for logs and the bench. */
export interface FinalizeReport {
  sessionId: string;
  mediaDurationSec: number;
  /** True when a previous run had stored everything and only the database commit was missing. */
  resumed: boolean;
  recording: { key: string; sha256: string; bytes: number; durationSec: number };
  derived: DerivedFileEntry[];
  seconds: { verifyJoin: number; remux: number; render: number; thumbnailStrip: number; store: number; total: number };
}

const since = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e9;

/**
 * Turns a finished session into archived evidence: verify everything, decrypt and join the
 * MPEG-TS segments byte for byte, remux (no re-encode) to one MP4, check it decodes, store it,
 * then derive the viewing files from it (final video with burned-in timestamp and watermark, audio
 * copy, thumbnail strip; see render/) and store them with their hashes. The record (record.json)
 * lists the original and every derived file; it is stored last, then one transaction writes the
 * archives and derived_files rows and marks the session archived. Throws IntegrityError
 * (permanent) when the evidence does not verify.
 */
export class Archiver {
  private font: Promise<FontChoice> | null = null;

  constructor(
    private readonly deps: ArchiverDeps,
    private readonly log: Logger,
  ) {}

  /**
   * Idempotent: a session that is already archived is left as it is (returns null); a run
   * interrupted after storing files reuses what was stored (write-once) instead of failing on it.
   */
  async finalize(sessionId: string, opts: FinalizeOptions = {}): Promise<FinalizeReport | null> {
    const log = this.log.child({ sessionId });
    const { db, store } = this.deps;
    const done = await db.selectFrom('archives').select('session_id').where('session_id', '=', sessionId).executeTakeFirst();
    if (done) {
      log.info('already archived');
      return null;
    }
    const t0 = process.hrtime.bigint();
    const progress = (f: number) => opts.onProgress?.(Math.min(1, Math.max(0, f)));
    const work = join(this.deps.workDir, `${sessionId}-${randomBytes(4).toString('hex')}`);
    await mkdir(join(work, 'derived'), { recursive: true, mode: 0o700 });
    try {
      const joined = join(work, 'joined.ts');
      const ev = await verifyEvidence(this.deps, sessionId, { joinTo: joined });
      if (ev.problems.length > 0 || !ev.manifest || !ev.boothPublicKey) {
        throw new IntegrityError('archive.evidence_invalid', `session ${sessionId} does not verify: ${ev.problems.join('; ')}`);
      }
      const manifest = ev.manifest;
      const verifyJoin = since(t0);
      progress(0.03);
      const keys = archiveKeys(sessionId);
      if (await store.has(keys.record)) {
        // A previous run stored everything; only its database commit is missing.
        const record = parseArchiveRecord(await store.get(keys.record), keys.record);
        await this.checkStored(record);
        await this.commit(record);
        log.info('archived from the stored record of an interrupted run');
        progress(1);
        return { sessionId, mediaDurationSec: manifest.mediaDurationSec, resumed: true, recording: record.recording, derived: record.derived, seconds: { verifyJoin, remux: 0, render: 0, thumbnailStrip: 0, store: 0, total: since(t0) } };
      }

      const r0 = process.hrtime.bigint();
      const mp4 = join(work, 'recording.mp4');
      await runFfmpeg(this.deps.ff, ['-f', 'mpegts', '-i', joined, '-map', '0', '-c', 'copy', '-movflags', '+faststart', mp4], {
        what: `join the segments of session ${sessionId}`,
        timeoutMs: 30 * 60_000,
        signal: opts.signal,
      });
      // A previous interrupted run may have stored the MP4 already: keep that one (write-once),
      // rendering from a local copy when the store is remote.
      const reuse = await store.has(keys.mp4);
      let original = mp4;
      if (reuse) {
        const stored = store.localPath(keys.mp4);
        if (stored) original = stored;
        else await pipeline(await store.stream(keys.mp4), createWriteStream(mp4));
      }
      const errors = await decodeErrors(this.deps.ff, original);
      if (errors.length > 0) throw new IntegrityError('archive.decode_failed', `the joined recording of ${sessionId} does not decode cleanly: ${errors.slice(0, 3).join(' | ')}`);
      const probe = await probeMedia(this.deps.ff, original);
      const recording = { key: keys.mp4, sha256: await hashFile(original), bytes: (await stat(original)).size, durationSec: probe.format.duration ?? 0 };
      if (!reuse) await store.putFile(keys.mp4, mp4);
      const remux = since(r0);
      progress(0.08);

      const session = await db.selectFrom('sessions').select(['booth_id', 'signature']).where('session_id', '=', sessionId).executeTakeFirstOrThrow();
      const watermark = await this.deps.watermark({ sessionId, boothId: session.booth_id });
      const rendered = await renderDerived(this.deps.ff, this.deps.finalize, await this.fontChoice(), {
        sessionId,
        source: original,
        workDir: join(work, 'derived'),
        startedAt: manifest.startedAt,
        mediaDurationSec: manifest.mediaDurationSec,
        watermark,
        signal: opts.signal,
        onProgress: (f) => progress(0.08 + 0.9 * f),
      });

      const s0 = process.hrtime.bigint();
      const derived: DerivedFileEntry[] = [];
      for (const f of rendered.files) derived.push(await this.storeDerived(sessionId, f));
      const record: ArchiveRecord = {
        v: 1,
        sessionId,
        boothId: session.booth_id,
        boothPublicKey: ev.boothPublicKey,
        manifest,
        signature: session.signature ?? '',
        recording: { ...recording, streams: probe.streams.map((s) => `${s.codec_type}:${s.codec_name ?? '?'}`) },
        segments: manifest.segments.map((s) => ({ seq: s.seq, key: segmentKey(sessionId, s.seq), sha256: s.cipherSha256 })),
        derived,
        render: rendered.render,
        archivedAt: new Date().toISOString(),
        ffmpeg: this.deps.ff.version,
      };
      await store.put(keys.record, Buffer.from(canonicalJson(record)));
      await this.commit(record);
      const seconds = { verifyJoin, remux, render: rendered.timings.passSec, thumbnailStrip: rendered.timings.stripSec, store: since(s0), total: since(t0) };
      log.info({ mediaDurationSec: manifest.mediaDurationSec, durationSec: recording.durationSec, bytes: recording.bytes, derived: derived.map((d) => `${d.kind}:${d.bytes}`), seconds }, 'session archived');
      progress(1);
      return { sessionId, mediaDurationSec: manifest.mediaDurationSec, resumed: false, recording, derived, seconds };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** The font for burned-in text, found once; a failed search is retried on the next job. */
  private fontChoice(): Promise<FontChoice> {
    this.font ??= resolveFont(this.deps.finalize.fontFile).catch((err: unknown) => {
      this.font = null;
      throw err;
    });
    return this.font;
  }

  /** Stores a rendered file write-once; a copy stored by an interrupted run is kept and described instead. */
  private async storeDerived(sessionId: string, f: RenderedFile): Promise<DerivedFileEntry> {
    const { store } = this.deps;
    const key = derivedKey(sessionId, f.kind);
    const entry = { kind: f.kind, key, mediaType: DERIVED_FILES[f.kind].mediaType, durationSec: f.durationSec };
    if (await store.has(key)) return { ...entry, sha256: await hashStored(store, key), bytes: await store.size(key) };
    await store.putFile(key, f.path);
    return { ...entry, sha256: await hashFile(f.path), bytes: (await stat(f.path)).size };
  }

  /** Every file a stored record lists must be stored with the hash it names. */
  private async checkStored(record: ArchiveRecord): Promise<void> {
    for (const f of [record.recording, ...record.derived]) {
      if ((await hashStored(this.deps.store, f.key)) !== f.sha256) throw new IntegrityError('archive.stored_mismatch', `${f.key} does not match its SHA-256 in record.json of session ${record.sessionId}`);
    }
  }

  /** One transaction: the archives row, the derived_files rows, the session archived, its machine review queued. */
  private async commit(record: ArchiveRecord): Promise<void> {
    const { sessionId } = record;
    await this.deps.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('archives')
        .values({ session_id: sessionId, mp4_key: record.recording.key, mp4_sha256: record.recording.sha256, mp4_bytes: record.recording.bytes, record_key: archiveKeys(sessionId).record, duration_sec: record.recording.durationSec, archived_at: record.archivedAt })
        .execute();
      const rows = derivedRows(sessionId, record.recording.sha256, record.derived, record.archivedAt);
      if (rows.length > 0) await tx.insertInto('derived_files').values(rows).onConflict((oc) => oc.columns(['session_id', 'kind']).doNothing()).execute();
      await tx.updateTable('sessions').set({ status: 'archived', failure: null }).where('session_id', '=', sessionId).execute();
      // The machine review (issue 8) exists exactly when the archive does.
      await enqueueJob(tx, 'machine_review', sessionId, new Date().toISOString());
    });
  }
}

/** SHA-256 of a stored object, read where it lies (local file) or streamed (remote store). */
async function hashStored(store: BlobStore, key: string): Promise<string> {
  const path = store.localPath(key);
  if (path) return hashFile(path);
  const h = createHash('sha256');
  for await (const chunk of await store.stream(key)) h.update(chunk as Buffer);
  return h.digest('hex');
}
