import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import type { HoldView } from '../../protocol/evidence-api.js';
import type { AdminActor } from '../auth/admin-actor.js';
import type { ServerDb } from '../db/schema.js';
import type { EvidenceDeps, RetentionService } from './retention.js';
import { assertScope } from './scope.js';

type HoldRow = ServerDb['legal_holds'];

export function holdView(h: HoldRow): HoldView {
  return { holdId: h.hold_id, sessionId: h.session_id, reason: h.reason, setBy: h.set_by, setAt: h.set_at, releasedBy: h.released_by, releasedAt: h.released_at, releaseReason: h.release_reason };
}

/**
 * Legal holds: while a session has at least one unreleased hold its evidence cannot be deleted,
 * whatever its retention date. Holds stack (each is set and released on its own, with who, when
 * and why); every change is audited in the same transaction; the store's legal hold flags follow.
 */
export class LegalHolds {
  constructor(
    private readonly deps: EvidenceDeps,
    private readonly retention: RetentionService,
  ) {}

  async set(actor: AdminActor, sessionId: string, reason: string): Promise<HoldView> {
    assertScope(actor, await this.retention.branchOf(sessionId), `session ${sessionId}`);
    const r = await this.retention.ensureRecorded(sessionId);
    const hold: HoldRow = { hold_id: randomUUID(), session_id: sessionId, reason, set_by: actor.audit, set_at: new Date().toISOString(), released_by: null, released_at: null, release_reason: null };
    await this.deps.audit.transact(async (tx, audit) => {
      // One conditional UPDATE: a deletion that has started cannot be held any more, and a hold
      // counted here is seen by the deletion's own conditional UPDATE (same row).
      const res = await tx
        .updateTable('evidence_retention')
        .set((eb) => ({ active_holds: eb('active_holds', '+', 1) }))
        .where('session_id', '=', sessionId)
        .where('deletion_started_at', 'is', null)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new ConflictError('hold.deleted', `the evidence of session ${sessionId} is being or has been deleted; it cannot be held`);
      await tx.insertInto('legal_holds').values(hold).execute();
      await audit({ actor: actor.audit, action: 'hold.set', target: `session:${sessionId}`, branchId: r.branch_id, details: { holdId: hold.hold_id, reason } });
    });
    await this.retention.syncStoreHold(sessionId);
    return holdView(hold);
  }

  async release(actor: AdminActor, holdId: string, reason: string): Promise<HoldView> {
    const h = await this.deps.db.selectFrom('legal_holds').selectAll().where('hold_id', '=', holdId).executeTakeFirst();
    if (!h) throw new NotFoundError('hold.unknown', `unknown legal hold ${holdId}`);
    const r = await this.retention.read(h.session_id);
    assertScope(actor, r?.branch_id ?? null, `the hold on session ${h.session_id}`);
    if (h.released_at) throw new ConflictError('hold.released', `legal hold ${holdId} was already released at ${h.released_at} by ${h.released_by}`);
    const released = { released_by: actor.audit, released_at: new Date().toISOString(), release_reason: reason };
    await this.deps.audit.transact(async (tx, audit) => {
      const res = await tx.updateTable('legal_holds').set(released).where('hold_id', '=', holdId).where('released_at', 'is', null).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new ConflictError('hold.released', `legal hold ${holdId} was released meanwhile`);
      await tx
        .updateTable('evidence_retention')
        .set((eb) => ({ active_holds: eb('active_holds', '-', 1) }))
        .where('session_id', '=', h.session_id)
        .execute();
      await audit({ actor: actor.audit, action: 'hold.release', target: `session:${h.session_id}`, branchId: r?.branch_id ?? null, details: { holdId, reason, setBy: h.set_by, setAt: h.set_at } });
    });
    await this.retention.syncStoreHold(h.session_id);
    return holdView({ ...h, ...released });
  }

  /** Every hold of a session, active and released, oldest first. */
  async list(sessionId: string): Promise<HoldView[]> {
    const rows = await this.deps.db.selectFrom('legal_holds').selectAll().where('session_id', '=', sessionId).orderBy('set_at').orderBy('hold_id').execute();
    return rows.map(holdView);
  }
}
