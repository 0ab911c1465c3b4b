import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '../../core/chain.js';
import { DualrecError } from '../../core/errors.js';
import { isPermanentSegmentRejection } from '../../core/segment-machine.js';
import type { Logger } from '../../platform/log.js';
import type { FaultSink } from '../faults/fault-reporter.js';
import type { SegmentRow, SegmentStore } from '../vault/segment-store.js';
import { ServerRejectedError, type ServerClient } from './server-client.js';
import type { Throttle } from './throttle.js';

/** `corrupted`: quarantined before anything was sent; `rejected`: quarantined on the server's answer. */
export type UploadOutcome = 'acknowledged' | 'rejected' | 'corrupted';

/** The sealed file cannot be read now (folder missing, disk gone): retried, never quarantined. */
export class VaultUnavailableError extends DualrecError {
  override readonly name = 'VaultUnavailableError';
  override readonly status = 503;
}

/**
 * Uploads one sealed segment and records the outcome as a state transition:
 * - before sending, the file's SHA-256 must equal the row's; otherwise (or when the file is gone
 *   while its folder exists) the segment is quarantined and `segment.corrupted` raised;
 * - an acknowledgement whose hash or link differs from the row's, or a permanent 4xx, quarantines
 *   it and raises `segment.rejected`;
 * - any other failure marks it failed (attempts + 1) and rethrows, so the caller backs off.
 */
export class SegmentUploader {
  constructor(
    private readonly segments: SegmentStore,
    private readonly vaultDir: string,
    private readonly client: ServerClient,
    private readonly faults: FaultSink,
    private throttle: Throttle | null,
    private readonly log: Logger,
  ) {}

  /** A new bandwidth cap (remote config) for the next upload; null: none. */
  setThrottle(throttle: Throttle | null): void {
    this.throttle = throttle;
  }

  async upload(seg: NonNullable<SegmentRow>): Promise<UploadOutcome> {
    const key = { sessionId: seg.session_id, seq: seg.seq };
    const bytes = await this.readSealed(seg);
    if (bytes === null || sha256Hex(bytes) !== seg.cipher_sha256) {
      const reason = bytes === null ? `sealed file ${seg.file} is missing` : `sealed file ${seg.file} no longer matches its SHA-256 (${seg.cipher_sha256.slice(0, 16)}…)`;
      await this.segments.transition(key, { type: 'corrupted', reason }, { last_error: reason });
      this.faults.raise({ kind: 'segment.corrupted', severity: 'critical', sessionId: seg.session_id, message: `Segment ${seg.seq} is damaged on this booth's disk and was set aside, not uploaded: ${reason}.` });
      this.log.error({ sessionId: seg.session_id, seq: seg.seq, reason }, 'segment quarantined: corrupted on disk');
      return 'corrupted';
    }
    this.faults.clear('disk.path_missing');
    await this.segments.transition(key, { type: 'uploadStarted' });
    try {
      const ack = await this.client.putSegment(seg.session_id, seg.seq, bytes, seg.cipher_sha256, this.throttle);
      if (ack.sha256 !== seg.cipher_sha256 || ack.link !== seg.link) {
        throw new ServerRejectedError(409, 'segment.exists', `the server acknowledged segment ${seg.seq} of ${seg.session_id} with a different hash or link`);
      }
      await this.segments.transition(key, { type: 'acknowledged' }, { ack_segment_id: ack.segmentId, ack_sha256: ack.sha256, ack_at: ack.receivedAt, last_error: null, next_attempt_at: null });
      // A segment of this session got through again (e.g. after an operator release).
      this.faults.clear('segment.rejected', seg.session_id);
      this.faults.clear('segment.corrupted', seg.session_id);
      return 'acknowledged';
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof ServerRejectedError && isPermanentSegmentRejection(err.httpStatus, err.code)) {
        await this.segments.transition(key, { type: 'rejected', reason: message }, { last_error: `${err.code}: ${message}`, attemptsPlusOne: true });
        this.faults.raise({ kind: 'segment.rejected', severity: 'critical', sessionId: seg.session_id, message: `The server refused segment ${seg.seq} (${err.code}: ${message}); it is kept aside on this booth.` });
        this.log.error({ sessionId: seg.session_id, seq: seg.seq, code: err.code, err: message }, 'segment quarantined: rejected by the server');
        return 'rejected';
      }
      await this.segments.transition(key, { type: 'uploadFailed', reason: message }, { last_error: message, attemptsPlusOne: true });
      throw err;
    }
  }

  /** The sealed bytes; null when the file is gone but its folder is there (lost); throws VaultUnavailableError when the folder itself is missing. */
  private async readSealed(seg: NonNullable<SegmentRow>): Promise<Buffer | null> {
    const path = join(this.vaultDir, seg.file);
    try {
      return await readFile(path);
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

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw err;
  }
}
