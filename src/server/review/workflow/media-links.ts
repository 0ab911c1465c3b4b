import { createReadStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { errors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { ConflictError, DualrecError, NotFoundError, RangeNotSatisfiableError, UnauthorizedError } from '../../../core/errors.js';
import type { MediaLink } from '../../../protocol/review-api.js';
import type { StaffPrincipal } from '../../../protocol/staff.js';
import { API_PREFIX } from '../../../protocol/server-api.js';
import { listDerivedFiles } from '../../archive/derived-files.js';
import { staffActor } from '../../auth/admin-actor.js';
import type { SigningKeys } from '../../auth/signing-keys.js';
import { principalOf } from '../../auth/staff-rows.js';
import { listEvidenceFiles, readArchivedSession, type EvidenceFile } from '../../evidence/evidence-files.js';
import { assertScope } from '../../evidence/scope.js';
import type { BlobStore } from '../../storage/blob-store.js';
import type { ReviewReader } from './review-reader.js';
import { staffAuditActor, type WorkflowDeps } from './workflow-deps.js';

const ISSUER = 'dualrec';
const AUDIENCE = 'dualrec-media';
const Claims = z.object({ sub: z.uuid(), ses: z.uuid(), file: z.string().min(1).max(64), exp: z.number().int() });

export interface MediaRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/** Parses one `Range: bytes=a-b` (or `bytes=a-`, `bytes=-n`) against `size`; null for none, RangeNotSatisfiableError when it does not fit. Several ranges are answered whole (null). */
export function parseRange(header: string | undefined, size: number): MediaRange | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) {
    if (header.includes(',')) return null;
    throw new RangeNotSatisfiableError('media.bad_range', `unsupported Range header ${JSON.stringify(header.slice(0, 100))}`, { size });
  }
  let start: number;
  let end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) throw new RangeNotSatisfiableError('media.bad_range', `range ${header} is outside the file's ${size} bytes`, { size });
  return { start, end };
}

/** Skips `start` bytes of a stream and ends after `end` (inclusive): ranges of a store without random access. */
function slice(src: Readable, start: number, end: number): Readable {
  let pos = 0;
  const cut = new Transform({
    transform(chunk: Buffer, _enc, done) {
      const from = Math.max(0, start - pos);
      const to = Math.min(chunk.length, end + 1 - pos);
      pos += chunk.length;
      if (to > from) this.push(chunk.subarray(from, to));
      if (pos > end) {
        this.push(null);
        src.destroy();
      }
      done();
    },
  });
  return src.pipe(cut);
}

export interface OpenedMedia {
  file: EvidenceFile;
  size: number;
  range: MediaRange | null;
  body: Readable;
}

/**
 * Links a <video> element can load without an Authorization header: POST …/media-link (a signed-in
 * reviewer or supervisor in scope) answers `/api/v1/media/<token>`, a JWT (HS256, key in
 * `media_link_keys`, shared by every instance) naming the staff member, the session and one file,
 * valid `mediaLinkTtlSec`. GET /media/:token checks the token, then that the staff member is still
 * enabled and still has the session in scope, and serves the file with Range support. Issuing a
 * link is audited (`review.media_link`), and so is each opening of it (`review.media`: a request
 * without Range or from byte 0; the player's later Range requests of the same link are not).
 */
export class MediaLinks {
  constructor(
    private readonly deps: WorkflowDeps,
    private readonly keys: SigningKeys,
    private readonly reader: ReviewReader,
    private readonly store: BlobStore,
  ) {}

  async issue(p: StaffPrincipal, sessionId: string, name: string): Promise<MediaLink> {
    const item = await this.reader.itemInScope(p, sessionId);
    const file = await this.fileOf(sessionId, name);
    const nowSec = Math.floor(this.deps.now().getTime() / 1000);
    const exp = nowSec + this.deps.config.mediaLinkTtlSec;
    const { kid, key } = this.keys.signing;
    const token = await new SignJWT({ ses: sessionId, file: file.name })
      .setProtectedHeader({ alg: 'HS256', kid, typ: 'JWT' })
      .setSubject(p.staffId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(nowSec)
      .setExpirationTime(exp)
      .sign(key);
    const expiresAt = new Date(exp * 1000).toISOString();
    await this.deps.audit.append({ actor: staffAuditActor(p.staffId), action: 'review.media_link', target: `session:${sessionId}`, branchId: item.branchId, details: { file: file.name, expiresAt } });
    return { url: `${API_PREFIX}/media/${token}`, expiresAt };
  }

  async open(token: string, rangeHeader: string | undefined): Promise<OpenedMedia> {
    const claims = await this.verify(token);
    const staff = await this.deps.db.selectFrom('staff').selectAll().where('staff_id', '=', claims.sub).executeTakeFirst();
    if (!staff || staff.disabled !== 0) throw new UnauthorizedError('media.revoked', 'the media link belongs to an account that is disabled or gone');
    const p = principalOf(staff);
    const item = await this.deps.db.selectFrom('review_items').select('branch_id').where('session_id', '=', claims.ses).executeTakeFirst();
    if (!item) throw new NotFoundError('review.unknown', `session ${claims.ses} has no review item`);
    assertScope(staffActor(p), item.branch_id, `session ${claims.ses}`);
    const file = await this.fileOf(claims.ses, claims.file);
    const size = await this.store.size(file.key);
    const range = parseRange(rangeHeader, size);
    const body = await this.body(file.key, range);
    if (!range || range.start === 0) {
      await this.deps.audit.append({ actor: staffAuditActor(p.staffId), action: 'review.media', target: `session:${claims.ses}`, branchId: item.branch_id, details: { file: file.name, sha256: file.sha256, bytes: size, range: range ? `${range.start}-${range.end}` : null } });
    }
    return { file, size, range, body };
  }

  private async verify(token: string): Promise<z.infer<typeof Claims>> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, async (header) => this.keys.forKid(header.kid), { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] }));
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new UnauthorizedError('media.expired', 'the media link has expired; ask for a new one');
      if (err instanceof DualrecError || err instanceof errors.JOSEError) throw new UnauthorizedError('media.invalid', 'the media link is not valid');
      throw err;
    }
    const c = Claims.safeParse(payload);
    if (!c.success) throw new UnauthorizedError('media.invalid', 'the media link is not valid');
    return c.data;
  }

  /** A playable file of the archived session (recording, derived files, record), never a sealed segment. */
  private async fileOf(sessionId: string, name: string): Promise<EvidenceFile> {
    const s = await readArchivedSession(this.deps.db, sessionId);
    const r = await this.deps.db.selectFrom('evidence_retention').select('deletion_started_at').where('session_id', '=', sessionId).executeTakeFirst();
    if (r?.deletion_started_at) throw new ConflictError('evidence.deleted', `the evidence of session ${sessionId} has been deleted (retention ended)`);
    const files = await listEvidenceFiles(this.deps.db, s, async (id) => listDerivedFiles(this.deps.db, id));
    const file = files.find((f) => f.name === name && f.kind !== 'segment');
    if (!file) throw new NotFoundError('evidence.no_file', `session ${sessionId} has no file ${name}`);
    return file;
  }

  private async body(key: string, range: MediaRange | null): Promise<Readable> {
    const path = this.store.localPath(key);
    if (path) return createReadStream(path, range ? { start: range.start, end: range.end } : {});
    const whole = await this.store.stream(key);
    return range ? slice(whole, range.start, range.end) : whole;
  }
}
