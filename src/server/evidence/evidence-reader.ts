import type { Readable } from 'node:stream';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import type { ArchivedSessionDetail, ArchivedSessionSummary, ArchiveListQuery } from '../../protocol/evidence-api.js';
import type { AdminActor } from '../auth/admin-actor.js';
import { listEvidenceFiles, readArchivedSession, type EvidenceFile } from './evidence-files.js';
import type { LegalHolds } from './legal-holds.js';
import { assertScope } from './scope.js';
import { retentionView, type EvidenceDeps, type RetentionRow, type RetentionService } from './retention.js';

/**
 * Reading archived evidence, always within the reader's branch scope and always audited:
 * `archive.list`, `archive.read` and `archive.download` entries say who saw what.
 */
export class EvidenceReader {
  constructor(
    private readonly deps: EvidenceDeps,
    private readonly retention: RetentionService,
    private readonly holds: LegalHolds,
  ) {}

  /** Archived sessions in the actor's scope (optionally one branch), newest first. */
  async list(actor: AdminActor, q: ArchiveListQuery): Promise<ArchivedSessionSummary[]> {
    if (q.branchId) assertScope(actor, q.branchId, `branch ${q.branchId}`);
    // Sessions archived moments ago may have no retention record yet (the sweep adds it): their
    // branch is their booth's and their retention is null until then.
    let query = this.deps.db
      .selectFrom('archives as a')
      .innerJoin('sessions as s', 's.session_id', 'a.session_id')
      .innerJoin('booths as b', 'b.booth_id', 's.booth_id')
      .leftJoin('evidence_retention as r', 'r.session_id', 'a.session_id')
      .selectAll('r')
      .select((eb) => [eb.fn.coalesce('r.branch_id', 'b.branch_id').as('branch'), 'a.session_id as sid', 'a.archived_at as archived', 's.booth_id', 's.product_id', 's.started_at', 's.ended_at', 'a.duration_sec'])
      .orderBy('a.archived_at', 'desc')
      .orderBy('a.session_id')
      .limit(q.limit);
    if (q.before) query = query.where('a.archived_at', '<', q.before);
    const branches = q.branchId ? [q.branchId] : actor.scope === '*' ? null : [...actor.scope];
    if (branches) query = query.where((eb) => eb(eb.fn.coalesce('r.branch_id', 'b.branch_id'), 'in', branches));
    const rows = await query.execute();
    await this.deps.audit.append({ actor: actor.audit, action: 'archive.list', target: 'archive', branchId: q.branchId ?? null, details: { count: rows.length, branchId: q.branchId ?? null, before: q.before ?? null } });
    return rows.map((r) => ({
      sessionId: r.sid,
      boothId: r.booth_id,
      branchId: r.branch,
      productId: r.product_id,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      archivedAt: r.archived,
      durationSec: Number(r.duration_sec),
      retention: r.session_id === null ? null : retentionView(r as RetentionRow),
    }));
  }

  /** One archived session with its retention, holds and files. */
  async read(actor: AdminActor, sessionId: string): Promise<ArchivedSessionDetail> {
    const s = await readArchivedSession(this.deps.db, sessionId);
    assertScope(actor, await this.retention.branchOf(sessionId), `session ${sessionId}`);
    const r = await this.retention.ensureRecorded(sessionId);
    const files = await listEvidenceFiles(this.deps.db, s, this.deps.derived);
    await this.deps.audit.append({ actor: actor.audit, action: 'archive.read', target: `session:${sessionId}`, branchId: r.branch_id, details: {} });
    return {
      sessionId,
      boothId: s.boothId,
      branchId: r.branch_id,
      productId: s.productId,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      archivedAt: s.archivedAt,
      durationSec: s.durationSec,
      retention: retentionView(r),
      holds: await this.holds.list(sessionId),
      files: files.map((f) => ({ name: f.name, kind: f.kind, sha256: f.sha256, bytes: f.bytes, mediaType: f.mediaType })),
    };
  }

  /** Opens one downloadable file (recording, record, derived; not the sealed segments), audited. */
  async download(actor: AdminActor, sessionId: string, name: string): Promise<{ file: EvidenceFile; size: number; body: Readable }> {
    const s = await readArchivedSession(this.deps.db, sessionId);
    assertScope(actor, await this.retention.branchOf(sessionId), `session ${sessionId}`);
    const r = await this.retention.ensureRecorded(sessionId);
    if (r.deletion_started_at) throw new ConflictError('evidence.deleted', `the evidence of session ${sessionId} has been deleted (retention ended)`);
    const file = (await listEvidenceFiles(this.deps.db, s, this.deps.derived)).find((f) => f.name === name && f.kind !== 'segment');
    if (!file) throw new NotFoundError('evidence.no_file', `session ${sessionId} has no file ${name}`);
    const size = await this.deps.store.size(file.key);
    const body = await this.deps.store.stream(file.key);
    await this.deps.audit.append({ actor: actor.audit, action: 'archive.download', target: `session:${sessionId}`, branchId: r.branch_id, details: { file: name, sha256: file.sha256, bytes: size } });
    return { file, size, body };
  }
}
