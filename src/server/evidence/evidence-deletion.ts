import { ConflictError, NotFoundError } from '../../core/errors.js';
import type { AdminActor } from '../auth/admin-actor.js';
import { listEvidenceFiles, readArchivedSession } from './evidence-files.js';
import type { EvidenceDeps, RetentionRow, RetentionService } from './retention.js';

export interface DeletionResult {
  sessionId: string;
  deletedAt: string;
  files: Array<{ name: string; sha256: string | null }>;
}

/**
 * The ONE way stored evidence is ever deleted: a session's stored files go only when its
 * retention date has passed AND it has no active legal hold; anything else is refused with a
 * ConflictError naming why (and the refusal is audited). There is no HTTP route to this; the
 * operator runs `dualrec evidence delete-expired`. The database rows (manifest, hashes, audit)
 * stay, so it remains provable what existed and when it was deleted under which policy.
 */
export class EvidenceDeletion {
  constructor(
    private readonly deps: EvidenceDeps,
    private readonly retention: RetentionService,
  ) {}

  async deleteExpired(actor: AdminActor, sessionId: string): Promise<DeletionResult> {
    const record = await this.retention.read(sessionId);
    const now = new Date().toISOString();
    try {
      if (!record) {
        // Not archived (ConflictError) or unknown (NotFoundError); an archived session without a
        // record has not been through the retention step yet and is refused like a retained one.
        await readArchivedSession(this.deps.db, sessionId);
        throw new ConflictError('evidence.no_retention', `session ${sessionId} has no retention record yet; it cannot be deleted`);
      }
      if (record.deleted_at) throw new ConflictError('evidence.deleted', `the evidence of session ${sessionId} was already deleted at ${record.deleted_at}`);
      await this.deps.audit.transact(async (tx, audit) => {
        // Everything the refusal reasons check, in one conditional UPDATE on the row every hold
        // also updates: no hold or extension can slip in between check and deletion.
        const res = await tx
          .updateTable('evidence_retention')
          .set((eb) => ({ deletion_started_at: eb.fn.coalesce('deletion_started_at', eb.val(now)) }))
          .where('session_id', '=', sessionId)
          .where('deleted_at', 'is', null)
          .where('active_holds', '=', 0)
          .where('retain_until', '<=', now)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) throw refusal(await tx.selectFrom('evidence_retention').selectAll().where('session_id', '=', sessionId).executeTakeFirst(), sessionId, now);
        await audit({ actor: actor.audit, action: 'evidence.delete_started', target: `session:${sessionId}`, branchId: record.branch_id, details: { retainUntil: record.retain_until, retentionClass: record.retention_class } });
      });
    } catch (err) {
      if (err instanceof ConflictError && record) {
        await this.deps.audit.append({ actor: actor.audit, action: 'evidence.delete_refused', target: `session:${sessionId}`, branchId: record.branch_id, details: { code: err.code, reason: err.message } });
      }
      throw err;
    }
    const files = await listEvidenceFiles(this.deps.db, await readArchivedSession(this.deps.db, sessionId), this.deps.derived);
    // The store checks retention and hold again on every object (S3 Object Lock enforces it itself).
    for (const f of files) await this.deps.store.removeExpired(f.key);
    const deletedAt = new Date().toISOString();
    const list = files.map((f) => ({ name: f.name, sha256: f.sha256 }));
    await this.deps.audit.transact(async (tx, audit) => {
      await tx.updateTable('evidence_retention').set({ deleted_at: deletedAt, deleted_by: actor.audit }).where('session_id', '=', sessionId).where('deleted_at', 'is', null).execute();
      await audit({ actor: actor.audit, action: 'evidence.delete', target: `session:${sessionId}`, branchId: record.branch_id, details: { files: list, retainUntil: record.retain_until } });
    });
    this.deps.log.info({ sessionId, files: files.length }, 'expired evidence deleted');
    return { sessionId, deletedAt, files: list };
  }
}

/** Why the conditional update matched nothing (read in its transaction), as the error to throw. */
function refusal(r: RetentionRow | undefined, sessionId: string, now: string): ConflictError | NotFoundError {
  if (!r) return new NotFoundError('evidence.unknown', `session ${sessionId} has no retention record`);
  if (r.deleted_at) return new ConflictError('evidence.deleted', `the evidence of session ${sessionId} was already deleted at ${r.deleted_at}`);
  if (Number(r.active_holds) > 0) return new ConflictError('evidence.held', `session ${sessionId} is under ${Number(r.active_holds)} legal hold(s); release them before its evidence can be deleted`);
  if (r.retain_until > now) return new ConflictError('evidence.retained', `session ${sessionId} is retained until ${r.retain_until} (${r.retention_class}); it cannot be deleted before then`);
  return new ConflictError('evidence.changed', `session ${sessionId} changed while deleting; try again`);
}
