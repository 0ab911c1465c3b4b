import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { errors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import type { ByteRange } from '../../../core/byte-range.js';
import { ConflictError, DualrecError, ForbiddenError, NotFoundError, UnauthorizedError } from '../../../core/errors.js';
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

/** An opened media link: the blob to answer and how to read it (whole or one range). */
export interface OpenedMedia {
  blob: { sha256: string; bytes: number; mime: string };
  read(range: ByteRange | null): Promise<{ stream: Readable; range: ByteRange | null }>;
}

/**
 * Links a <video> element can load without an Authorization header: POST …/media-link (a signed-in
 * reviewer or supervisor in scope) answers `/api/v1/media/<token>`, a JWT (HS256, key in
 * `media_link_keys`, shared by every instance) naming the staff member, the session and one file,
 * valid `mediaLinkTtlSec`. GET /media/:token checks the token, then that the staff member is still
 * enabled, still a reviewer or supervisor and still has the session in scope, and serves the file as an immutable blob
 * (platform/blob-reply.ts: ETag, one Range from a local file, 416 past the end). Issuing a
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

  async open(token: string): Promise<OpenedMedia> {
    const claims = await this.verify(token);
    const staff = await this.deps.db.selectFrom('staff').selectAll().where('staff_id', '=', claims.sub).executeTakeFirst();
    if (!staff || staff.disabled !== 0) throw new UnauthorizedError('media.revoked', 'the media link belongs to an account that is disabled or gone');
    const p = principalOf(staff);
    if (!p.roles.includes('reviewer') && !p.roles.includes('supervisor')) throw new ForbiddenError('media.role', 'the media link belongs to an account that is no longer a reviewer or supervisor');
    const item = await this.deps.db.selectFrom('review_items').select('branch_id').where('session_id', '=', claims.ses).executeTakeFirst();
    if (!item) throw new NotFoundError('review.unknown', `session ${claims.ses} has no review item`);
    assertScope(staffActor(p), item.branch_id, `session ${claims.ses}`);
    const file = await this.fileOf(claims.ses, claims.file);
    const size = await this.store.size(file.key);
    return {
      blob: { sha256: file.sha256, bytes: size, mime: file.mediaType },
      read: async (range) => {
        // A local file serves the range; a remote store's stream is served whole (200), as content-service does.
        const path = this.store.localPath(file.key);
        const served = path ? range : null;
        // Audited before the file is opened: a failed append leaves no stream open.
        if (!served || served.start === 0) {
          await this.deps.audit.append({ actor: staffAuditActor(p.staffId), action: 'review.media', target: `session:${claims.ses}`, branchId: item.branch_id, details: { file: file.name, sha256: file.sha256, bytes: size, range: served ? `${served.start}-${served.end}` : null } });
        }
        const stream = path ? createReadStream(path, served ? { start: served.start, end: served.end } : {}) : await this.store.stream(file.key);
        return { stream, range: served };
      },
    };
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

  /** A playable file of the archived session (recording, derived files), never a sealed segment or the record. */
  private async fileOf(sessionId: string, name: string): Promise<EvidenceFile & { sha256: string }> {
    const s = await readArchivedSession(this.deps.db, sessionId);
    const r = await this.deps.db.selectFrom('evidence_retention').select('deletion_started_at').where('session_id', '=', sessionId).executeTakeFirst();
    if (r?.deletion_started_at) throw new ConflictError('evidence.deleted', `the evidence of session ${sessionId} has been deleted (retention ended)`);
    const files = await listEvidenceFiles(this.deps.db, s, async (id) => listDerivedFiles(this.deps.db, id));
    const file = files.find((f) => f.name === name && (f.kind === 'recording' || f.kind === 'derived'));
    if (!file?.sha256) throw new NotFoundError('evidence.no_file', `session ${sessionId} has no media file ${name}`);
    return { ...file, sha256: file.sha256 };
  }
}
