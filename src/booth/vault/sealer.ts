import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { nextLink } from '../../core/chain.js';
import { DualrecError } from '../../core/errors.js';
import { sharedBufferPool, type SharedBufferPool } from '../../platform/buffer-pool.js';
import { sealSegmentOnPool, sharedCryptoPool, type CryptoPool, type SealedParts } from '../../platform/crypto-pool.js';
import type { FfmpegInfo } from '../../platform/ffmpeg.js';
import { fsyncDir, readFileShared, writeNewFileSynced } from '../../platform/fs.js';
import type { Logger } from '../../platform/log.js';
import { probeMedia } from '../../platform/probe.js';
import type { ClosedSegment } from '../capture/recorder.js';
import type { BoothDb } from '../db/schema.js';
import { commitSealed, removeUncommitted, sealedRow, type CommitItem } from './seal-commit.js';
import { SealPipeline } from './seal-pipeline.js';

export interface SealedSegmentInfo {
  seq: number;
  bytes: number;
  startSec: number;
  durationSec: number;
  cipherSha256: string;
  link: string;
}

export interface SealerOptions {
  /** Segments in flight at once (read, sealed, being written, waiting for the commit). Default 8. */
  depth?: number;
  /** Where SHA-256 and AES-GCM run. Default: the process's shared pool of worker threads. */
  crypto?: CryptoPool;
  /** Where plaintext and ciphertext buffers come from. Default: the process's shared pool. */
  buffers?: SharedBufferPool;
}

/** Where the session's chain stands: the next sequence number, the link it continues, the media end. */
interface ChainHead {
  seq: number;
  link: string;
  mediaEnd: number;
}

interface Read {
  /** Lent by the buffer pool (shared memory: the crypto workers read it in place); given back in releasePrepared. */
  plaintext: Uint8Array;
  plainSha256: string;
  start: number;
  duration: number;
}

interface Sealed {
  before: ChainHead;
  after: ChainHead;
  /** The sealed file's parts, until written (the ciphertext, parts[1], is lent by the buffer pool). */
  parts: Uint8Array[] | null;
  item: CommitItem;
  info: SealedSegmentInfo;
}

const DEFAULT_DEPTH = 8;

/**
 * Seals one session's segments in order. Holds the session data key in memory only; `destroy()`
 * zeroes it when the session ends, after which nothing on the booth can decrypt the segments.
 *
 * Each seal is: read plaintext (into shared memory) -> measure, SHA-256 of the plaintext ->
 * encrypt + SHA-256 of the sealed file -> write + fsync the sealed file -> fsync its folder -> one
 * SQLite transaction (segment rows + session chain head) -> delete the plaintext. Hashing and
 * encryption run on the crypto pool's worker threads (CryptoPool), each byte hashed once per
 * digest, so the event loop keeps doing I/O meanwhile. Segments handed over together (a backlog
 * after salvage, a high bitrate) go through a SealPipeline of `depth`: reads and plaintext hashes
 * run ahead, encryption stays strictly in order (each header carries the previous link), durable
 * writes overlap, and each commit takes every consecutive segment whose file is durable (group
 * commit), with one folder fsync for the group just before it. A lone segment goes straight
 * through, as a plain sequence of those steps.
 *
 * Guarantees: a row never exists without its durable file, data and name (the commit follows the
 * file's fsync and the folder's fsync; a crash
 * in between leaves an orphan file, which the purger removes, and the plaintext); the rows of a
 * session are always a contiguous prefix of its chain; when segment N fails to be written or
 * committed, N and the segments sealed after it fail, the chain head rolls back to before N and
 * their files are removed, and the next segment is sealed as N.
 */
export class SessionSealer {
  private firstVideoStart: number | null = null;
  /** After the last segment encrypted (committed or in flight). */
  private head: ChainHead;
  /** After the last segment committed. */
  private committed: ChainHead;
  private destroyed = false;
  private readonly pipeline: SealPipeline<ClosedSegment, Read, Sealed, SealedSegmentInfo>;
  /** What seal() returned and has not settled yet. */
  private readonly unsettled = new Set<Promise<SealedSegmentInfo>>();
  private readonly crypto: CryptoPool;
  private readonly buffers: SharedBufferPool;

  constructor(
    private readonly db: Kysely<BoothDb>,
    private readonly vaultDir: string,
    private readonly ff: FfmpegInfo,
    private readonly sessionId: string,
    private readonly boothId: string,
    private readonly dataKey: Buffer,
    prevLink: string,
    private readonly log: Logger,
    opts: SealerOptions = {},
  ) {
    this.head = { seq: 0, link: prevLink, mediaEnd: 0 };
    this.committed = this.head;
    this.crypto = opts.crypto ?? sharedCryptoPool();
    this.buffers = opts.buffers ?? sharedBufferPool();
    this.pipeline = new SealPipeline(
      {
        prepare: (seg) => this.read(seg),
        seal: (r) => this.encrypt(r),
        advance: (s) => void (this.head = s.after),
        // The folder is fsync'd once per commit group, before the commit (see commit()).
        // Straight under its final name: only a committed row makes a file count, and the row
        // commits after this fsync and the folder's (commit()); a file without a row is an orphan.
        write: (s) => writeNewFileSynced(join(this.vaultDir, s.item.row.file), s.parts!).finally(() => this.releaseParts(s)),
        commit: (group) => this.commit(group),
        finish: (s, seg) => this.finish(s, seg),
        releasePrepared: (r) => this.buffers.release(r.plaintext),
        dropSealed: (s) => this.releaseParts(s),
        rollback: (s) => void (this.head = s.before),
        discard: (s) => removeUncommitted(this.db, this.vaultDir, this.sessionId, s.info.seq, s.item.row.file),
        closedReason: (seg) => (this.destroyed ? new DualrecError('vault.closed', `session ${this.sessionId} is closed; segment ${seg.path} cannot be sealed`) : null),
        describe: (s) => `segment ${s.info.seq} of session ${this.sessionId}`,
      },
      Math.max(1, opts.depth ?? DEFAULT_DEPTH),
      log,
    );
  }

  /** Seals segments strictly in arrival order; each call resolves when its segment is committed. */
  seal(seg: ClosedSegment): Promise<SealedSegmentInfo> {
    const p = this.pipeline.push(seg);
    this.unsettled.add(p);
    const forget = () => void this.unsettled.delete(p);
    p.then(forget, forget);
    return p;
  }

  /** Resolves when every segment handed to seal() so far is committed (or failed). */
  async drain(): Promise<void> {
    // Waiting on what seal() returned lets its callers' handlers (attached before) run first.
    while (this.unsettled.size > 0) await Promise.allSettled([...this.unsettled]);
  }

  get mediaDurationSec(): number {
    return this.committed.mediaEnd;
  }

  get chainHead(): string {
    return this.committed.link;
  }

  get segmentCount(): number {
    return this.committed.seq;
  }

  /** Zeroes the data key. Safe to call twice. Segments not encrypted yet then fail. */
  destroy(): void {
    this.dataKey.fill(0);
    this.destroyed = true;
    this.pipeline.pump();
  }

  private async read(seg: ClosedSegment): Promise<Read> {
    const reading = readFileShared(seg.path, this.buffers);
    let plaintext: Uint8Array | null = null;
    try {
      const [p, m] = await Promise.all([reading, this.measure(seg)]);
      plaintext = p;
      // Hashed here, ahead of the chain (the plaintext hash does not depend on it), on a worker.
      return { plaintext, plainSha256: await this.crypto.sha256(plaintext), ...m };
    } catch (err) {
      // A worker that failed only read the plaintext, so its buffer may be reused.
      if (plaintext) this.buffers.release(plaintext);
      else void reading.then((p) => this.buffers.release(p), () => undefined);
      throw err;
    }
  }

  /** Gives the ciphertext's buffer back once the sealed file is written (or will never be). */
  private releaseParts(s: Sealed): void {
    if (s.parts) this.buffers.release(s.parts[1]!);
    s.parts = null;
  }

  /** Seals `r` after the current head (AES-GCM and the sealed file's hash on a worker); the head moves in advance(). */
  private async encrypt(r: Read): Promise<Sealed> {
    const before = this.head;
    this.firstVideoStart ??= r.start;
    const startSec = Math.max(0, round6(r.start - this.firstVideoStart));
    const durationSec = round6(r.duration);
    const out = this.buffers.acquire(r.plaintext.length);
    let sealed: SealedParts;
    try {
      sealed = await sealSegmentOnPool(
        this.crypto,
        this.dataKey,
        { sessionId: this.sessionId, boothId: this.boothId, seq: before.seq, prevLink: before.link, startSec, durationSec, container: 'mpegts', recordedAt: new Date().toISOString() },
        r.plaintext,
        r.plainSha256,
        { out },
      );
    } catch (err) {
      // A worker that failed may still be writing into `out`: it is never reused.
      this.buffers.abandon(out);
      throw err;
    }
    try {
      return this.sealedItem(before, sealed, startSec, durationSec);
    } catch (err) {
      this.buffers.release(out);
      throw err;
    }
  }

  /** The pipeline's item for a segment just encrypted after `before`. */
  private sealedItem(before: ChainHead, sealed: SealedParts, startSec: number, durationSec: number): Sealed {
    const link = nextLink(before.link, sealed.cipherSha256);
    const after = { seq: before.seq + 1, link, mediaEnd: round6(startSec + durationSec) };
    const row = sealedRow({
      session_id: this.sessionId,
      seq: before.seq,
      file: join(this.sessionId, `${String(before.seq).padStart(6, '0')}.seg`),
      cipher_sha256: sealed.cipherSha256,
      plain_sha256: sealed.header.plainSha256,
      prev_link: before.link,
      link,
      bytes: sealed.bytes,
      start_sec: startSec,
      duration_sec: durationSec,
      sealed_at: new Date().toISOString(),
    });
    return {
      before,
      after,
      parts: sealed.parts,
      item: { row, mediaEnd: after.mediaEnd },
      info: { seq: before.seq, bytes: sealed.bytes, startSec, durationSec, cipherSha256: sealed.cipherSha256, link },
    };
  }

  private async commit(group: Sealed[]): Promise<void> {
    // The group's files are fsync'd; their names become durable here, before any row names them
    // (one folder fsync per group instead of one per file). The session's first commit also makes
    // its folder's own entry in the vault folder durable.
    await fsyncDir(join(this.vaultDir, this.sessionId));
    if (group[0]!.before.seq === 0) await fsyncDir(this.vaultDir);
    await commitSealed(
      this.db,
      this.sessionId,
      group.map((s) => s.item),
    );
    this.committed = group.at(-1)!.after;
  }

  private async finish(s: Sealed, seg: ClosedSegment): Promise<SealedSegmentInfo> {
    try {
      await unlink(seg.path);
    } catch (err) {
      // The segment is sealed and committed; the purger removes stale spool plaintext later.
      this.log.warn({ err, file: seg.path }, 'cannot delete the plaintext of a sealed segment');
    }
    this.log.debug({ seq: s.info.seq, bytes: s.info.bytes, durationSec: s.info.durationSec }, 'segment sealed');
    return s.info;
  }

  private async measure(seg: ClosedSegment): Promise<{ start: number; duration: number }> {
    if (this.ff.ffprobe) {
      // The segment's span over all its streams (audio may run past the last video frame), so the
      // session's timeline ends where the archived MP4 ends.
      const probe = await probeMedia(this.ff, seg.path);
      const spans = probe.streams.filter((s) => s.start_time !== undefined && s.duration !== undefined).map((s) => [s.start_time!, s.start_time! + s.duration!] as const);
      if (spans.length > 0 && probe.streams.some((s) => s.codec_type === 'video')) {
        const start = Math.min(...spans.map(([a]) => a));
        return { start, duration: Math.max(...spans.map(([, e]) => e)) - start };
      }
    }
    return { start: seg.listStartSec, duration: seg.listEndSec - seg.listStartSec };
  }
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
