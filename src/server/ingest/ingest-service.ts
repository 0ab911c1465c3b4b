import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { genesisLink, nextLink, sha256Hex } from '../../core/chain.js';
import { canonicalJson } from '../../core/canonical-json.js';
import { parseSealedSegment } from '../../core/envelope.js';
import { ConflictError, ForbiddenError, IntegrityError, NotFoundError, ValidationError } from '../../core/errors.js';
import { publicKeyFromDer, verifyManifestSignature } from '../../core/keys.js';
import type { CreateSessionRequest, EnrollRequest, EnrollResponse, FinishSessionRequest, FinishSessionResponse, SegmentAck, SessionView } from '../../protocol/server-api.js';
import { GroupCommitter } from '../../platform/group-commit.js';
import type { Logger } from '../../platform/log.js';
import type { ServerDb } from '../db/schema.js';
import type { KeyProvider } from '../keys/key-provider.js';
import type { BlobStore } from '../storage/blob-store.js';
import { createEnrollmentCode, newToken, type AuthedBooth } from './auth.js';
import { enqueueJob } from '../archive/job-queue.js';
import { isUniqueViolation, lockRows } from '../db/portable.js';
import { readSessionView, segmentKey } from './views.js';

/**
 * The booth-facing side of the server: enrollment, session registration, segment ingest and
 * session finish. Every check happens before anything is stored; a rejected request changes nothing.
 */
export class IngestService {
  /** Segment rows of concurrent uploads are committed together (one fsync for a burst). */
  private readonly segmentCommits: GroupCommitter<ServerDb>;

  constructor(
    private readonly db: Kysely<ServerDb>,
    private readonly store: BlobStore,
    private readonly keys: KeyProvider,
    private readonly log: Logger,
  ) {
    this.segmentCommits = new GroupCommitter(db);
  }

  /** Creates a one-time enrollment code valid for `ttlHours` (for a branch, or none). Returns the code (shown once). */
  async createEnrollmentCode(ttlHours = 24, branchId: string | null = null): Promise<{ code: string; expiresAt: string }> {
    return createEnrollmentCode(this.db, { ttlHours, branchId, createdBy: null });
  }

  async enroll(req: EnrollRequest): Promise<EnrollResponse> {
    let key;
    try {
      key = publicKeyFromDer(Buffer.from(req.publicKey, 'base64'));
    } catch {
      throw new ValidationError('enroll.bad_key', 'publicKey is not a valid SPKI public key');
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new ValidationError('enroll.bad_key', 'publicKey must be an Ed25519 key');
    const boothId = randomUUID();
    const token = newToken();
    const now = new Date().toISOString();
    const branchId = await this.db.transaction().execute(async (tx) => {
      const code = await tx.selectFrom('enrollment_codes').selectAll().where('code_sha256', '=', sha256Hex(req.code)).$call(lockRows(tx, 'update')).executeTakeFirst();
      if (!code || code.used_at !== null || code.expires_at < now) throw new ForbiddenError('enroll.bad_code', 'the enrollment code is unknown, already used or expired');
      await tx.insertInto('booths').values({ booth_id: boothId, name: req.name, public_key: req.publicKey, token_sha256: sha256Hex(token), enrolled_at: now, branch_id: code.branch_id }).execute();
      await tx.updateTable('enrollment_codes').set({ used_at: now, booth_id: boothId }).where('code_sha256', '=', code.code_sha256).execute();
      return code.branch_id;
    });
    this.log.info({ boothId, name: req.name, branchId }, 'booth enrolled');
    return { boothId, token, archivePublicKey: this.keys.publicKeyDer.toString('base64'), archiveKeyId: this.keys.keyId };
  }

  /** Registers a session. Repeating the same registration returns the stored session. */
  async createSession(booth: AuthedBooth, req: CreateSessionRequest): Promise<SessionView> {
    if (req.keyWrap.archiveKeyId !== this.keys.keyId) {
      throw new IntegrityError('session.wrong_archive_key', `the session key is wrapped for archive key ${req.keyWrap.archiveKeyId.slice(0, 12)}…, not this archive's (${this.keys.keyId.slice(0, 12)}…)`);
    }
    const existing = await this.db.selectFrom('sessions').selectAll().where('session_id', '=', req.sessionId).executeTakeFirst();
    if (existing) {
      if (existing.booth_id !== booth.boothId) throw new ConflictError('session.exists', `session ${req.sessionId} belongs to another booth`);
      if (existing.key_wrap_json !== canonicalJson(req.keyWrap) || existing.product_id !== req.productId) {
        throw new ConflictError('session.exists', `session ${req.sessionId} is already registered with different details`);
      }
      return readSessionView(this.db, req.sessionId);
    }
    const now = new Date().toISOString();
    const raced = await this.db
      .insertInto('sessions')
      .values({
        session_id: req.sessionId,
        booth_id: booth.boothId,
        product_id: req.productId,
        status: 'recording',
        started_at: req.startedAt,
        ended_at: null,
        key_wrap_json: canonicalJson(req.keyWrap),
        manifest_json: null,
        signature: null,
        failure: null,
        created_at: now,
      })
      .execute()
      .then(
        () => false,
        (err: unknown) => {
          if (isUniqueViolation(err)) return true;
          throw err;
        },
      );
    // A concurrent registration of the same session won the race: answer like a repeat.
    if (raced) return this.createSession(booth, req);
    return readSessionView(this.db, req.sessionId);
  }

  async getSession(booth: AuthedBooth, sessionId: string): Promise<SessionView> {
    await this.ownedSession(booth, sessionId);
    return readSessionView(this.db, sessionId);
  }

  /**
   * Verifies and stores one sealed segment: body hash against the declared hash, envelope header
   * against the URL and the booth, chain link against the previous segment. Repeating an accepted
   * upload returns the same acknowledgement.
   */
  async putSegment(booth: AuthedBooth, sessionId: string, seq: number, body: Buffer, declaredSha256: string | undefined): Promise<SegmentAck> {
    if (!declaredSha256 || !/^[0-9a-f]{64}$/.test(declaredSha256)) {
      throw new ValidationError('segment.no_hash', 'header x-dualrec-sha256 must carry the lower-case hex SHA-256 of the body');
    }
    const session = await this.ownedSession(booth, sessionId);
    const sha256 = sha256Hex(body);
    if (sha256 !== declaredSha256) {
      throw new IntegrityError('segment.hash_mismatch', `segment ${seq}: body SHA-256 ${sha256} does not match the declared ${declaredSha256} (corrupted in transit?)`);
    }
    const existing = await this.db.selectFrom('segments').selectAll().where('session_id', '=', sessionId).where('seq', '=', seq).executeTakeFirst();
    if (existing) {
      if (existing.sha256 !== sha256) throw new ConflictError('segment.exists', `segment ${seq} of session ${sessionId} is already stored with different content`);
      return toAck(existing);
    }
    if (session.status !== 'recording') throw new ConflictError('session.closed', `session ${sessionId} is ${session.status}; it takes no new segments`);
    const { header } = parseSealedSegment(body);
    if (header.sessionId !== sessionId || header.seq !== seq) {
      throw new IntegrityError('segment.header_mismatch', `segment header names session ${header.sessionId} segment ${header.seq}, the upload is for session ${sessionId} segment ${seq}`);
    }
    if (header.boothId !== booth.boothId) throw new IntegrityError('segment.header_mismatch', `segment ${seq} header names another booth`);
    let prevLink: string;
    if (seq === 0) {
      prevLink = genesisLink(sessionId);
    } else {
      const prev = await this.db.selectFrom('segments').select('link').where('session_id', '=', sessionId).where('seq', '=', seq - 1).executeTakeFirst();
      if (!prev) throw new ConflictError('segment.out_of_order', `segment ${seq} arrived before segment ${seq - 1}; upload segments in order`);
      prevLink = prev.link;
    }
    if (header.prevLink !== prevLink) throw new IntegrityError('segment.chain_break', `segment ${seq} does not link to segment ${seq - 1} of session ${sessionId}`);
    const link = nextLink(prevLink, sha256);
    const key = segmentKey(sessionId, seq);
    await this.store.put(key, body);
    const row = { segment_id: randomUUID(), session_id: sessionId, seq, sha256, prev_link: prevLink, link, bytes: body.length, storage_key: key, received_at: new Date().toISOString() };
    try {
      // The session must still be open when the row goes in: finish() checks the segments and
      // closes the session in one transaction, so no segment is acknowledged but left out of the
      // manifest. On PostgreSQL the session row is share-locked here and locked for update in finish(),
      // so the two wait for each other; SQLite runs the server's transactions one at a time.
      // Rows of uploads that reach this point together share one transaction (group commit); the
      // acknowledgement goes out only after it committed.
      await this.segmentCommits.run(async (tx) => {
        const open = await tx.selectFrom('sessions').select('status').where('session_id', '=', sessionId).$call(lockRows(tx, 'share')).executeTakeFirstOrThrow();
        if (open.status !== 'recording') throw new ConflictError('session.closed', `session ${sessionId} is ${open.status}; it takes no new segments`);
        await tx.insertInto('segments').values(row).execute();
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // A concurrent upload of the same segment won the race: the same bytes get its acknowledgement.
      const winner = await this.db.selectFrom('segments').selectAll().where('session_id', '=', sessionId).where('seq', '=', seq).executeTakeFirst();
      if (winner?.sha256 === sha256) return toAck(winner);
      throw new ConflictError('segment.exists', `segment ${seq} of session ${sessionId} is already stored with different content`);
    }
    return toAck(row);
  }

  /**
   * Accepts the booth's signed manifest once every segment it lists is stored, and queues the
   * archive job. Repeating the same finish returns the current status.
   */
  async finish(booth: AuthedBooth, sessionId: string, req: FinishSessionRequest): Promise<FinishSessionResponse> {
    const session = await this.ownedSession(booth, sessionId);
    const m = req.manifest;
    if (m.sessionId !== sessionId || m.boothId !== booth.boothId) throw new ValidationError('manifest.mismatch', 'the manifest names another session or booth');
    if (!verifyManifestSignature(m, req.signature, Buffer.from(booth.publicKey, 'base64'))) {
      throw new IntegrityError('manifest.bad_signature', `the manifest signature of session ${sessionId} does not verify with the booth's key`);
    }
    if (session.manifest_json !== null) {
      if (session.signature !== req.signature) throw new ConflictError('session.finished', `session ${sessionId} was already finished with another manifest`);
      return { sessionId, status: (await readSessionView(this.db, sessionId)).status };
    }
    if (canonicalJson(m.keyWrap) !== session.key_wrap_json) throw new IntegrityError('manifest.key_mismatch', 'the manifest key wrap differs from the registered one');
    if (m.genesisLink !== genesisLink(sessionId)) throw new IntegrityError('manifest.chain_break', 'the manifest genesis link is wrong');
    const now = new Date().toISOString();
    if (m.productId !== session.product_id || m.startedAt !== session.started_at) {
      throw new IntegrityError('manifest.session_mismatch', `the manifest's product or start time differs from what session ${sessionId} was registered with`);
    }
    if (m.endedAt < m.startedAt) throw new ValidationError('manifest.bad_times', 'the manifest ends before it starts');
    let repeated = false;
    await this.db.transaction().execute(async (tx) => {
      // A concurrent identical finish got here first: answer like a repeat.
      const current = await tx.selectFrom('sessions').select(['manifest_json', 'signature']).where('session_id', '=', sessionId).$call(lockRows(tx, 'update')).executeTakeFirstOrThrow();
      if (current.manifest_json !== null) {
        if (current.signature !== req.signature) throw new ConflictError('session.finished', `session ${sessionId} was already finished with another manifest`);
        repeated = true;
        return;
      }
      // Read the stored segments inside the transaction that closes the session (see putSegment).
      const stored = await tx.selectFrom('segments').select(['seq', 'sha256', 'link']).where('session_id', '=', sessionId).orderBy('seq').execute();
      if (stored.length < m.segments.length) {
        throw new ConflictError('manifest.segments_missing', `the server has ${stored.length} of the ${m.segments.length} segments of session ${sessionId}; upload the rest first`);
      }
      if (stored.length > m.segments.length) throw new IntegrityError('manifest.segments_extra', `the server has ${stored.length} segments but the manifest lists ${m.segments.length}`);
      for (const [i, s] of m.segments.entries()) {
        const row = stored[i]!;
        if (s.seq !== row.seq || s.cipherSha256 !== row.sha256 || s.link !== row.link) {
          throw new IntegrityError('manifest.segment_mismatch', `manifest entry for segment ${s.seq} does not match the stored segment`);
        }
      }
      if (m.finalLink !== (stored.at(-1)?.link ?? m.genesisLink)) throw new IntegrityError('manifest.chain_break', 'the manifest final link does not match the last segment');
      await tx
        .updateTable('sessions')
        .set({ status: 'archiving', ended_at: m.endedAt, manifest_json: canonicalJson(m), signature: req.signature })
        .where('session_id', '=', sessionId)
        .execute();
      await enqueueJob(tx, 'finalize', sessionId, now);
    });
    if (repeated) return { sessionId, status: (await readSessionView(this.db, sessionId)).status };
    this.log.info({ sessionId, segments: m.segments.length }, 'session finished; archive job queued');
    return { sessionId, status: 'archiving' };
  }

  private async ownedSession(booth: AuthedBooth, sessionId: string) {
    const s = await this.db.selectFrom('sessions').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
    if (!s) throw new NotFoundError('session.unknown', `unknown session ${sessionId}`);
    if (s.booth_id !== booth.boothId) throw new ForbiddenError('session.not_yours', `session ${sessionId} belongs to another booth`);
    return s;
  }
}

function toAck(row: { segment_id: string; session_id: string; seq: number; sha256: string; link: string; received_at: string }): SegmentAck {
  return { segmentId: row.segment_id, sessionId: row.session_id, seq: row.seq, sha256: row.sha256, link: row.link, receivedAt: row.received_at };
}
