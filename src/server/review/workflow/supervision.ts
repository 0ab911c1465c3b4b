import { createHash } from 'node:crypto';
import { ConflictError, ForbiddenError, NotFoundError } from '../../../core/errors.js';
import type { ReviewDecisionView, ReviewerStats, SupervisorCheckRequest } from '../../../protocol/review.js';
import type { SupervisionSample, SupervisionSampleQuery, SupervisionStats } from '../../../protocol/review-api.js';
import type { StaffPrincipal } from '../../../protocol/staff.js';
import { staffActor } from '../../auth/admin-actor.js';
import { principalOf } from '../../auth/staff-rows.js';
import { scopeCovers } from '../../auth/staff-guard.js';
import { lockRows } from '../../db/portable.js';
import { assertScope } from '../../evidence/scope.js';
import type { Assigner } from './assignment.js';
import { contradictsMachine, decisionQuery, decisionView } from './review-rows.js';
import { staffAuditActor, type WorkflowDeps } from './workflow-deps.js';

/** Where decision `id` falls in [0, 1): the same on every call and every instance. */
export function samplePoint(decisionId: string): number {
  return createHash('sha256').update(`dualrec-supervision-sample-v1\n${decisionId}`).digest().readUInt32BE(0) / 2 ** 32;
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Supervisors check reviewers: a deterministic sample of each reviewer's decisions in a period
 * (decision ids whose sample point is below `rate`) plus every decision that contradicts the
 * machine; a check confirms or overturns (an overturn flips the item's outcome); statistics per
 * reviewer and daily throughput. Always within the supervisor's branch scope.
 */
export class Supervision {
  constructor(
    private readonly deps: WorkflowDeps,
    private readonly assigner: Assigner,
  ) {}

  private scoped(p: StaffPrincipal, from: string, to: string) {
    let q = decisionQuery(this.deps.db).where('d.decided_at', '>=', from).where('d.decided_at', '<', to);
    if (p.branches !== '*') q = q.where('d.branch_id', 'in', [...p.branches]);
    return q;
  }

  async sample(p: StaffPrincipal, q: SupervisionSampleQuery): Promise<SupervisionSample> {
    let query = this.scoped(p, q.from, q.to).where('d.role', '=', 'reviewer').orderBy('d.decided_at').orderBy('d.decision_id');
    if (q.reviewerId) query = query.where('d.staff_id', '=', q.reviewerId);
    if (q.unchecked) query = query.where('c.decision_id', 'is', null);
    const rows = await query.execute();
    const decisions: SupervisionSample['decisions'] = [];
    for (const r of rows) {
      const view = decisionView(r);
      if (contradictsMachine(r)) decisions.push({ ...view, why: 'contradicts_machine' });
      else if (samplePoint(view.decisionId) < q.rate) decisions.push({ ...view, why: 'sampled' });
    }
    await this.deps.audit.append({ actor: staffAuditActor(p.staffId), action: 'supervision.sample', target: 'review', branchId: null, details: { from: q.from, to: q.to, rate: q.rate, reviewerId: q.reviewerId ?? null, count: decisions.length } });
    return { decisions };
  }

  async check(p: StaffPrincipal, decisionId: string, req: SupervisorCheckRequest): Promise<ReviewDecisionView> {
    const id = Number(decisionId);
    await this.deps.audit.transact(async (tx, append) => {
      const d = await tx.selectFrom('review_decisions').selectAll().where('decision_id', '=', id).$call(lockRows(tx, 'update')).executeTakeFirst();
      if (!d) throw new NotFoundError('supervision.unknown', `no decision ${decisionId}`);
      assertScope(staffActor(p), d.branch_id, `decision ${decisionId}`);
      if (d.staff_id === p.staffId) throw new ForbiddenError('supervision.own_decision', `decision ${decisionId} is the caller's own; another supervisor checks it`);
      const done = await tx.selectFrom('supervisor_checks').select('outcome').where('decision_id', '=', id).executeTakeFirst();
      if (done) throw new ConflictError('supervision.already_checked', `decision ${decisionId} was already checked (${done.outcome})`);
      const item = await tx.selectFrom('review_items').selectAll().where('session_id', '=', d.session_id).$call(lockRows(tx, 'update')).executeTakeFirstOrThrow();
      const at = this.deps.now().toISOString();
      let flipped: { from: string; to: string } | null = null;
      if (req.outcome === 'overturned') {
        if (d.decision === 'escalate') throw new ConflictError('supervision.not_overturnable', `decision ${decisionId} is an escalation; the supervisor's own decision of the item settles it`);
        const settling = await tx.selectFrom('review_decisions').select('decision_id').where('session_id', '=', d.session_id).where('decision', '!=', 'escalate').orderBy('decision_id', 'desc').limit(1).executeTakeFirstOrThrow();
        if (Number(settling.decision_id) !== id) throw new ConflictError('supervision.superseded', `decision ${decisionId} no longer settles session ${d.session_id}; a later decision does`);
        const to = d.decision === 'accept' ? 'rejected' : 'accepted';
        flipped = { from: item.outcome ?? item.status, to };
        await tx.updateTable('review_items').set({ status: to, outcome: to, updated_at: at }).where('session_id', '=', d.session_id).execute();
      }
      await tx.insertInto('supervisor_checks').values({ decision_id: id, staff_id: p.staffId, outcome: req.outcome, comment: req.comment, checked_at: at }).execute();
      await append({
        actor: staffAuditActor(p.staffId),
        action: 'supervision.check',
        target: `session:${d.session_id}`,
        branchId: d.branch_id,
        details: { decisionId, outcome: req.outcome, reviewer: d.staff_id, decision: d.decision, comment: req.comment, flipped },
      });
    });
    const row = await decisionQuery(this.deps.db).where('d.decision_id', '=', id).executeTakeFirstOrThrow();
    return decisionView(row);
  }

  async stats(p: StaffPrincipal, q: { from: string; to: string }): Promise<SupervisionStats> {
    const rows = await this.scoped(p, q.from, q.to).execute();
    const online = new Set((await this.assigner.online()).map((r) => r.staffId));
    const staff = await this.deps.db.selectFrom('staff').select(['staff_id', 'username', 'roles_json', 'branches_json', 'disabled']).execute();
    const overlaps = (b: StaffPrincipal['branches']) => p.branches === '*' || b === '*' || b.some((x) => scopeCovers(p.branches, x));
    const reviewers = new Map<string, ReviewerStats & { minutes: number[] }>();
    const blank = (staffId: string, username: string) => ({ staffId, username, decisions: 0, accepted: 0, rejected: 0, escalated: 0, contradictMachine: 0, checked: 0, overturned: 0, medianMinutes: null, open: 0, online: online.has(staffId), minutes: [] as number[] });
    for (const s of staff) {
      const sp = principalOf(s);
      if (s.disabled === 0 && sp.roles.includes('reviewer') && overlaps(sp.branches)) reviewers.set(s.staff_id, blank(s.staff_id, s.username));
    }
    const days = new Map<string, { decisions: number; overturned: number }>();
    for (const r of rows) {
      if (r.role !== 'reviewer') continue;
      const s = reviewers.get(r.staff_id) ?? blank(r.staff_id, r.username);
      reviewers.set(r.staff_id, s);
      s.decisions++;
      if (r.decision === 'accept') s.accepted++;
      else if (r.decision === 'reject') s.rejected++;
      else s.escalated++;
      if (contradictsMachine(r)) s.contradictMachine++;
      if (r.check_outcome !== null) s.checked++;
      if (r.check_outcome === 'overturned') s.overturned++;
      if (r.assigned_at) s.minutes.push(Math.max(0, (Date.parse(r.decided_at) - Date.parse(r.assigned_at)) / 60_000));
      const day = r.decided_at.slice(0, 10);
      const d = days.get(day) ?? { decisions: 0, overturned: 0 };
      d.decisions++;
      if (r.check_outcome === 'overturned') d.overturned++;
      days.set(day, d);
    }
    let open = this.deps.db.selectFrom('review_items').select(['assignee_id', (eb) => eb.fn.countAll<number>().as('n')]).where('status', '=', 'assigned').groupBy('assignee_id');
    if (p.branches !== '*') open = open.where('branch_id', 'in', [...p.branches]);
    for (const o of await open.execute()) {
      const s = o.assignee_id ? reviewers.get(o.assignee_id) : undefined;
      if (s) s.open = Number(o.n);
    }
    return {
      reviewers: [...reviewers.values()]
        .map(({ minutes, ...s }) => ({ ...s, medianMinutes: median(minutes) === null ? null : Math.round(median(minutes)! * 10) / 10 }))
        .sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0)),
      throughput: [...days.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, d]) => ({ day, ...d })),
    };
  }
}
