import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DualrecError } from '../../core/errors.js';
import { isPermanentSegmentRejection } from '../../core/segment-machine.js';
import type { SegmentAck } from '../../protocol/server-api.js';
import { sharedCryptoPool, type CryptoPool } from '../../platform/crypto-pool.js';
import { readFileShared } from '../../platform/fs.js';
import type { GroupCommitter } from '../../platform/group-commit.js';
import type { Logger } from '../../platform/log.js';
import type { BoothDb } from '../db/schema.js';
import type { FaultSink } from '../faults/fault-reporter.js';
import { transitionIn, type SegmentKey, type SegmentRow, type SegmentStore } from '../vault/segment-store.js';
import { ServerRejectedError, type ServerClient } from './server-client.js';
import type { Throttle } from './throttle.js';

/** `corrupted`: quarantined before anything was sent; `rejected`: quarantined on the server's answer. */
export type UploadOutcome = 'acknowledged' | 'rejected' | 'corrupted';

export interface UploadRun {
  /** Segments acknowledged (and committed as such) during the run. */
  acknowledged: number;
  /** How the last segment of the run ended. */
  last: UploadOutcome;
}

/** The sealed file cannot be read now (folder missing, disk gone): retried, never quarantined. */
export class VaultUnavailableError extends DualrecError {
  override readonly name = 'VaultUnavailableError';
  override readonly status = 503;
}

type Row = NonNullable<SegmentRow>;
/** A segment read from disk: its bytes when they match the row, else why they do not. */
type Checked = { row: Row; bytes: Buffer } | { row: Row; corrupted: string };

/**
 * Uploads a session's sealed segments in order and records each outcome as a state transition:
 * - before sending, the file's SHA-256 must equal the row's; otherwise (or when the file is gone
 *   while its folder exists) the segment is quarantined and `segment.corrupted` raised;
 * - an acknowledgement whose hash or link differs from the row's, or a permanent 4xx, quarantines
 *   it and raises `segment.rejected`;
 * - any other failure marks it failed (attempts + 1) and rethrows, so the caller backs off.
 *
 * A run goes on with the session's next segment as long as the server acknowledges: the next file
 * is read and checked while the current one is on the wire; once the server acknowledged N (so it
 * holds N and takes N+1), N+1 is sent at once and the acknowledgement of N is committed while it
 * travels, in the same transaction that marks N+1 uploading (one commit per segment, shared with
 * the other lanes' commits of the same moment: group commit). A segment is marked acknowledged
 * only in a committed transaction after the server's answer; an outcome of N+1 is recorded only
 * after that commit. A crash in between leaves N `uploading`: it is sent again and the server
 * answers with the same acknowledgement.
 */
export class SegmentUploader {
  constructor(
    private readonly commits: GroupCommitter<BoothDb>,
    private readonly segments: SegmentStore,
    private readonly vaultDir: string,
    private readonly client: ServerClient,
    private readonly faults: FaultSink,
    private throttle: Throttle | null,
    private readonly log: Logger,
    /** Hashes each file before it is sent (off the event loop). */
    private readonly crypto: CryptoPool = sharedCryptoPool(),
  ) {}

  /** A new bandwidth cap (remote config) for the next upload; null: none. */
  setThrottle(throttle: Throttle | null): void {
    this.throttle = throttle;
  }

  /**
   * Uploads `first`, then the session's following segments while they are acknowledged, until
   * none is left, one is quarantined, or `stop()` returns true (checked after each segment).
   * `progress` is called after each acknowledgement is committed.
   */
  async uploadRun(first: Row, stop: () => boolean, progress: () => void = () => undefined): Promise<UploadRun> {
    let current = await this.check(first);
    if ('corrupted' in current) {
      await this.quarantineCorrupted(current.row, current.corrupted);
      return { acknowledged: 0, last: 'corrupted' };
    }
    await this.segments.transition(keyOf(current.row), { type: 'uploadStarted' });
    let put = this.put(current);
    let acknowledged = 0;
    const commit = async (ack: SegmentAck, row: Row, start: Row | null) => {
      await this.commit(keyOf(row), ack, start && keyOf(start));
      acknowledged++;
      progress();
    };
    for (;;) {
      // Read and check the next segment while this one is on the wire.
      const next: Promise<Checked | null> | null = stop() ? null : this.nextOf(current.row);
      next?.catch(() => undefined);
      let ack: SegmentAck;
      try {
        ack = await put;
      } catch (err) {
        if (await this.failed(current.row, err)) return { acknowledged, last: 'rejected' };
        throw err;
      }
      let following: Checked | null;
      try {
        following = next ? await next : null;
      } catch (err) {
        await commit(ack, current.row, null);
        throw err;
      }
      if (following === null || 'corrupted' in following) {
        await commit(ack, current.row, null);
        if (following === null) return { acknowledged, last: 'acknowledged' };
        await this.quarantineCorrupted(following.row, following.corrupted);
        return { acknowledged, last: 'corrupted' };
      }
      // The server has stored this one, so the next may go now; this acknowledgement (and the
      // next one's `uploading`) is committed while it travels.
      const nextPut = this.put(following);
      nextPut.catch(() => undefined);
      try {
        await commit(ack, current.row, following.row);
      } catch (err) {
        // Both are uploaded again later (the server answers repeats with the same acknowledgement).
        await nextPut.then(
          () => undefined,
          () => undefined,
        );
        throw err;
      }
      current = following;
      put = nextPut;
    }
  }

  /** Sends one checked segment; resolves to the server's acknowledgement, which must name the row's hash and link. */
  private async put(c: { row: Row; bytes: Buffer }): Promise<SegmentAck> {
    this.faults.clear('disk.path_missing');
    const { row } = c;
    const ack = await this.client.putSegment(row.session_id, row.seq, c.bytes, row.cipher_sha256, this.throttle);
    if (ack.sha256 !== row.cipher_sha256 || ack.link !== row.link) {
      throw new ServerRejectedError(409, 'segment.exists', `the server acknowledged segment ${row.seq} of ${row.session_id} with a different hash or link`);
    }
    return ack;
  }

  /** Commits `key` as acknowledged and, in the same transaction, `start` as uploading. */
  private async commit(key: SegmentKey, ack: SegmentAck, start: SegmentKey | null): Promise<void> {
    await this.commits.run(async (tx) => {
      await transitionIn(tx, key, { type: 'acknowledged' }, { ack_segment_id: ack.segmentId, ack_sha256: ack.sha256, ack_at: ack.receivedAt, last_error: null, next_attempt_at: null });
      if (start) await transitionIn(tx, start, { type: 'uploadStarted' });
    });
    // A segment of this session got through again (e.g. after an operator release).
    this.faults.clear('segment.rejected', key.sessionId);
    this.faults.clear('segment.corrupted', key.sessionId);
  }

  /** The segment after `row` when it is the next to upload (not quarantined), read and checked; else null. */
  private async nextOf(row: Row): Promise<Checked | null> {
    const next = await this.segments.nextUnconfirmed(row.session_id, row.seq);
    if (!next || next.state === 'quarantined') return null;
    return this.check(next);
  }

  /** Reads the sealed file and checks it against the row (hashed on a crypto worker, in place). */
  private async check(row: Row): Promise<Checked> {
    const bytes = await this.readSealed(row);
    if (bytes === null) return { row, corrupted: `sealed file ${row.file} is missing` };
    if ((await this.crypto.sha256(bytes)) !== row.cipher_sha256) return { row, corrupted: `sealed file ${row.file} no longer matches its SHA-256 (${row.cipher_sha256.slice(0, 16)}…)` };
    return { row, bytes };
  }

  private async quarantineCorrupted(row: Row, reason: string): Promise<void> {
    await this.segments.transition({ sessionId: row.session_id, seq: row.seq }, { type: 'corrupted', reason }, { last_error: reason });
    this.faults.raise({ kind: 'segment.corrupted', severity: 'critical', sessionId: row.session_id, message: `Segment ${row.seq} is damaged on this booth's disk and was set aside, not uploaded: ${reason}.` });
    this.log.error({ sessionId: row.session_id, seq: row.seq, reason }, 'segment quarantined: corrupted on disk');
  }

  /** Records a failed upload: quarantined on a permanent rejection (returns true), else marked failed (returns false). */
  private async failed(row: Row, err: unknown): Promise<boolean> {
    const key = { sessionId: row.session_id, seq: row.seq };
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof ServerRejectedError && isPermanentSegmentRejection(err.httpStatus, err.code)) {
      await this.segments.transition(key, { type: 'rejected', reason: message }, { last_error: `${err.code}: ${message}`, attemptsPlusOne: true });
      this.faults.raise({ kind: 'segment.rejected', severity: 'critical', sessionId: row.session_id, message: `The server refused segment ${row.seq} (${err.code}: ${message}); it is kept aside on this booth.` });
      this.log.error({ sessionId: row.session_id, seq: row.seq, code: err.code, err: message }, 'segment quarantined: rejected by the server');
      return true;
    }
    await this.segments.transition(key, { type: 'uploadFailed', reason: message }, { last_error: message, attemptsPlusOne: true });
    return false;
  }

  /**
   * The sealed bytes, on memory shared with the crypto workers; null when the file is gone but its
   * folder is there (lost); throws VaultUnavailableError when the folder itself is missing.
   */
  private async readSealed(seg: Row): Promise<Buffer | null> {
    const path = join(this.vaultDir, seg.file);
    try {
      const data = await readFileShared(path);
      return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new VaultUnavailableError('vault.read_failed', `cannot read ${path}: ${(err as Error).message}`, undefined, { cause: err });
      const folder = join(this.vaultDir, seg.session_id);
      if (await isDirectory(folder)) return null;
      this.faults.raise({ kind: 'disk.path_missing', severity: 'critical', sessionId: null, message: `The vault folder ${folder} is missing; uploads wait until it is back.` });
      throw new VaultUnavailableError('vault.path_missing', `vault folder ${folder} is missing`);
    }
  }
}

function keyOf(row: Row): SegmentKey {
  return { sessionId: row.session_id, seq: row.seq };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw err;
  }
}
