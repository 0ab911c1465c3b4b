import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { nextLink } from '../../core/chain.js';
import { sealSegment } from '../../core/envelope.js';
import { DualrecError } from '../../core/errors.js';
import { nextSegmentState, type StoredSegmentState } from '../../core/segment-machine.js';
import type { FfmpegInfo } from '../../platform/ffmpeg.js';
import { writeFileDurable } from '../../platform/fs.js';
import type { Logger } from '../../platform/log.js';
import { probeMedia } from '../../platform/probe.js';
import type { ClosedSegment } from '../capture/recorder.js';
import type { BoothDb } from '../db/schema.js';

export interface SealedSegmentInfo {
  seq: number;
  bytes: number;
  startSec: number;
  durationSec: number;
  cipherSha256: string;
  link: string;
}

/**
 * Seals one session's segments in order. Holds the session data key in memory only; `destroy()`
 * zeroes it when the session ends, after which nothing on the booth can decrypt the segments.
 *
 * Each seal is: read plaintext -> measure -> encrypt -> write + fsync the sealed file -> one SQLite
 * transaction (segment row + session chain head) -> delete the plaintext. A crash before the
 * transaction leaves an orphan sealed file and the plaintext, never a row without its file.
 */
export class SessionSealer {
  private seq = 0;
  private firstVideoStart: number | null = null;
  private mediaEnd = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private destroyed = false;

  constructor(
    private readonly db: Kysely<BoothDb>,
    private readonly vaultDir: string,
    private readonly ff: FfmpegInfo,
    private readonly sessionId: string,
    private readonly boothId: string,
    private readonly dataKey: Buffer,
    private prevLink: string,
    private readonly log: Logger,
  ) {}

  /** Seals segments strictly in arrival order; each call resolves when its segment is committed. */
  seal(seg: ClosedSegment): Promise<SealedSegmentInfo> {
    const run = this.queue.then(() => this.sealNow(seg));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Resolves when every segment handed to seal() so far is committed (or failed). */
  async drain(): Promise<void> {
    await this.queue;
  }

  get mediaDurationSec(): number {
    return this.mediaEnd;
  }

  get chainHead(): string {
    return this.prevLink;
  }

  get segmentCount(): number {
    return this.seq;
  }

  /** Zeroes the data key. Safe to call twice. */
  destroy(): void {
    this.dataKey.fill(0);
    this.destroyed = true;
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

  private async sealNow(seg: ClosedSegment): Promise<SealedSegmentInfo> {
    if (this.destroyed) throw new DualrecError('vault.closed', `session ${this.sessionId} is closed; segment ${seg.path} cannot be sealed`);
    const seq = this.seq;
    const plaintext = await readFile(seg.path);
    const m = await this.measure(seg);
    this.firstVideoStart ??= m.start;
    const startSec = Math.max(0, round6(m.start - this.firstVideoStart));
    const durationSec = round6(m.duration);
    const sealed = sealSegment(
      this.dataKey,
      {
        sessionId: this.sessionId,
        boothId: this.boothId,
        seq,
        prevLink: this.prevLink,
        startSec,
        durationSec,
        container: 'mpegts',
        recordedAt: new Date().toISOString(),
      },
      plaintext,
    );
    const file = join(this.sessionId, `${String(seq).padStart(6, '0')}.seg`);
    await writeFileDurable(join(this.vaultDir, file), sealed.bytes, { exclusive: true });
    const link = nextLink(this.prevLink, sealed.cipherSha256);
    const mediaEnd = round6(startSec + durationSec);
    const sealedAt = new Date().toISOString();
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('segments')
        .values({
          session_id: this.sessionId,
          seq,
          file,
          cipher_sha256: sealed.cipherSha256,
          plain_sha256: sealed.header.plainSha256,
          prev_link: this.prevLink,
          link,
          bytes: sealed.bytes.length,
          start_sec: startSec,
          duration_sec: durationSec,
          state: nextSegmentState('recorded', { type: 'sealed' }) as StoredSegmentState,
          last_error: null,
          next_attempt_at: null,
          ack_segment_id: null,
          ack_sha256: null,
          ack_at: null,
          sealed_at: sealedAt,
          state_changed_at: sealedAt,
          purged_at: null,
        })
        .execute();
      await tx.updateTable('sessions').set({ last_link: link, media_sec: mediaEnd }).where('session_id', '=', this.sessionId).execute();
    });
    await unlink(seg.path);
    this.prevLink = link;
    this.seq = seq + 1;
    this.mediaEnd = mediaEnd;
    this.log.debug({ seq, bytes: sealed.bytes.length, durationSec }, 'segment sealed');
    return { seq, bytes: sealed.bytes.length, startSec, durationSec, cipherSha256: sealed.cipherSha256, link };
  }
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
