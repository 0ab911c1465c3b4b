import { ConflictError, ForbiddenError, NotFoundError } from '../../../core/errors.js';
import type { ReviewDecisionRequest, ReviewItemView } from '../../../protocol/review.js';
import type { StaffPrincipal } from '../../../protocol/staff.js';
import { staffActor } from '../../auth/admin-actor.js';
import { lockRows } from '../../db/portable.js';
import { assertScope } from '../../evidence/scope.js';
import { itemQuery, itemView, readItemView } from './review-rows.js';
import { staffAuditActor, type WorkflowDeps } from './workflow-deps.js';

/**
 * Reviewers' and supervisors' decisions. Only the assignee (holding the reviewer role) decides an
 * assigned item: accept, reject or escalate (the last emits `review.escalated`); a supervisor
 * decides an escalated item: accept or reject (never one they escalated themselves). Each decision is a row, and a `review.decide` audit
 * entry in the same transaction; the item row is locked while it is decided, so two decisions of
 * one item never both land.
 */
export class Decisions {
  constructor(
    private readonly deps: WorkflowDeps,
    /** Called after a reviewer's decision freed a place in their queue (assign the next item). */
    private readonly onFreed: () => void,
  ) {}

  async decide(p: StaffPrincipal, sessionId: string, req: ReviewDecisionRequest): Promise<ReviewItemView> {
    let outbox = 0;
    let freed = false;
    await this.deps.audit.transact(async (tx, append) => {
      const item = await tx.selectFrom('review_items').selectAll().where('session_id', '=', sessionId).$call(lockRows(tx, 'update')).executeTakeFirst();
      if (!item) throw new NotFoundError('review.unknown', `session ${sessionId} has no review item (unknown or not archived)`);
      assertScope(staffActor(p), item.branch_id, `session ${sessionId}`);
      let role: 'reviewer' | 'supervisor';
      if (item.status === 'assigned') {
        if (item.assignee_id !== p.staffId || !p.roles.includes('reviewer')) throw new ForbiddenError('review.not_assignee', `session ${sessionId} is assigned to another reviewer; only its assignee decides it`);
        role = 'reviewer';
      } else if (item.status === 'escalated') {
        if (!p.roles.includes('supervisor')) throw new ForbiddenError('review.supervisor_only', `session ${sessionId} was escalated; only a supervisor decides it`);
        if (req.decision === 'escalate') throw new ConflictError('review.already_escalated', `session ${sessionId} is already escalated; a supervisor accepts or rejects it`);
        // Four eyes: whoever escalated the item (a reviewer who is a supervisor too) does not settle it.
        const escalation = await tx.selectFrom('review_decisions').select('staff_id').where('session_id', '=', sessionId).where('decision', '=', 'escalate').orderBy('decided_at', 'desc').orderBy('decision_id', 'desc').limit(1).executeTakeFirst();
        if (escalation?.staff_id === p.staffId) throw new ForbiddenError('review.own_escalation', `session ${sessionId} was escalated by ${p.username}; another supervisor decides it`);
        role = 'supervisor';
      } else {
        throw new ConflictError('review.not_decidable', `session ${sessionId} is ${item.status}; only an assigned or escalated item can be decided`);
      }
      const now = this.deps.now();
      const at = now.toISOString();
      const inserted = await tx
        .insertInto('review_decisions')
        .values({ session_id: sessionId, branch_id: item.branch_id, staff_id: p.staffId, role, decision: req.decision, reasons_json: JSON.stringify(req.reasons), comment: req.comment, machine_verdict: item.machine_verdict ?? 'needs_review', assigned_at: role === 'reviewer' ? item.assigned_at : null, decided_at: at })
        .returning('decision_id')
        .executeTakeFirstOrThrow();
      const status = req.decision === 'accept' ? 'accepted' : req.decision === 'reject' ? 'rejected' : 'escalated';
      await tx
        .updateTable('review_items')
        .set({ status, outcome: status === 'escalated' ? null : status, assignee_id: null, updated_at: at })
        .where('session_id', '=', sessionId)
        .execute();
      freed = role === 'reviewer';
      await append({
        actor: staffAuditActor(p.staffId),
        action: 'review.decide',
        target: `session:${sessionId}`,
        branchId: item.branch_id,
        details: { decisionId: String(Number(inserted.decision_id)), role, decision: req.decision, reasons: req.reasons, machineVerdict: item.machine_verdict, from: item.status, to: status },
      });
      if (status === 'escalated') {
        const view = itemView(await itemQuery(tx).where('i.session_id', '=', sessionId).executeTakeFirstOrThrow());
        outbox = await this.deps.webhooks.emit(tx, 'review.escalated', view, `escalated by ${p.username}: ${req.reasons.join(', ')}${req.comment ? ` — ${req.comment}` : ''}`, now);
      }
    });
    if (outbox > 0) this.deps.onOutbox();
    if (freed) this.onFreed();
    return readItemView(this.deps.db, sessionId);
  }
}
