import type { Transaction } from 'kysely';
import type { MachineReport } from '../../../protocol/review.js';
import { enqueueJob } from '../../archive/job-queue.js';
import type { ServerDb } from '../../db/schema.js';
import { lockRows } from '../../db/portable.js';
import type { MachineReviewListener } from '../ports.js';
import { itemQuery, itemView, OPEN_STATUSES, type ItemRow } from './review-rows.js';
import type { WorkflowDeps } from './workflow-deps.js';

/** Items a sweep makes or checks at most, per pass. */
const SWEEP_LIMIT = 500;

/**
 * Review items: one per archived session, made `machine_pending` (by the sweep, or on first
 * read, for sessions archived before the workflow existed too: those get their machine review
 * queued with the item), moved on by the machine review's
 * report (MachineReviewListener): pass → `passed` (final without a person), needs_review / fail →
 * `queued` with a due time; a `fail` also emits `review.machine_failed`, in the same transaction.
 */
export class ReviewItems implements MachineReviewListener {
  constructor(
    private readonly deps: WorkflowDeps,
    /** Called after items were queued (assign them now). */
    private readonly onQueued: () => void,
  ) {}

  /** Makes the missing items of archived sessions (oldest first). Returns how many. */
  async ensureMissing(limit = SWEEP_LIMIT): Promise<number> {
    const { db } = this.deps;
    const missing = await db
      .selectFrom('archives as a')
      .leftJoin('review_items as i', 'i.session_id', 'a.session_id')
      .select('a.session_id')
      .where('i.session_id', 'is', null)
      .orderBy('a.archived_at')
      .limit(limit)
      .execute();
    for (const m of missing) await this.ensure(db, m.session_id);
    return missing.length;
  }

  /**
   * The item of an archived session, made when missing; null when the session is not archived.
   * A session archived before the machine review existed has neither a report nor a job: unless
   * `fromReport` (the report is being delivered), a `machine_review` job is queued in the
   * transaction that makes the item, so it never stays `machine_pending`.
   */
  async ensure(db: WorkflowDeps['db'] | Transaction<ServerDb>, sessionId: string, fromReport = false): Promise<ItemRow | null> {
    const existing = await db.selectFrom('review_items').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
    if (existing) return existing;
    const s = await db
      .selectFrom('archives as a')
      .innerJoin('sessions as s', 's.session_id', 'a.session_id')
      .innerJoin('booths as b', 'b.booth_id', 's.booth_id')
      .leftJoin('evidence_retention as r', 'r.session_id', 'a.session_id')
      .select((eb) => ['a.session_id', eb.fn.coalesce('r.branch_id', 'b.branch_id').as('branch')])
      .where('a.session_id', '=', sessionId)
      .executeTakeFirst();
    if (!s) return null;
    const now = this.deps.now().toISOString();
    const make = async (tx: Transaction<ServerDb>) => {
      const r = await tx
        .insertInto('review_items')
        .values({ session_id: sessionId, branch_id: s.branch, status: 'machine_pending', machine_verdict: null, finding_codes_json: '[]', assignee_id: null, assigned_at: null, due_at: null, overdue_notified_at: null, outcome: null, created_at: now, updated_at: now })
        .onConflict((oc) => oc.column('session_id').doNothing())
        .executeTakeFirst();
      if (fromReport || Number(r.numInsertedOrUpdatedRows ?? 0) !== 1) return;
      const report = await tx.selectFrom('machine_reports').select('session_id').where('session_id', '=', sessionId).executeTakeFirst();
      if (!report && !(await machineReviewWaiting(tx, sessionId))) await enqueueJob(tx, 'machine_review', sessionId, now);
    };
    if (db.isTransaction) await make(db as Transaction<ServerDb>);
    else await db.transaction().execute(make);
    return (await db.selectFrom('review_items').selectAll().where('session_id', '=', sessionId).executeTakeFirst()) ?? null;
  }

  /**
   * The machine review of `sessionId` is done. A pending item moves on; a re-run updates the
   * verdict and findings of an item people are already on, and queues a `passed` one it no longer
   * passes. Idempotent: the same report twice changes nothing more.
   */
  async machineReviewed(sessionId: string, report: MachineReport): Promise<void> {
    const { audit, webhooks, log } = this.deps;
    let queued = false;
    let outbox = 0;
    await audit.transact(async (tx, append) => {
      const created = await this.ensure(tx, sessionId, true);
      if (!created) {
        log.warn({ sessionId }, 'machine review reported for a session that is not archived; ignored');
        return;
      }
      const item = await tx.selectFrom('review_items').selectAll().where('session_id', '=', sessionId).$call(lockRows(tx, 'update')).executeTakeFirstOrThrow();
      const now = this.deps.now();
      const codes = [...new Set(report.findings.map((f) => f.code))];
      const fresh = item.status === 'machine_pending' || (item.status === 'passed' && report.verdict !== 'pass');
      const status = fresh ? (report.verdict === 'pass' ? 'passed' : 'queued') : item.status;
      const dueAt = status === 'queued' && fresh ? new Date(now.getTime() + this.deps.config.dueAfterMinutes * 60_000).toISOString() : item.due_at;
      if (!fresh && item.machine_verdict === report.verdict && item.finding_codes_json === JSON.stringify(codes)) return;
      await tx
        .updateTable('review_items')
        .set({ status, machine_verdict: report.verdict, finding_codes_json: JSON.stringify(codes), due_at: dueAt, updated_at: now.toISOString() })
        .where('session_id', '=', sessionId)
        .execute();
      await append({ actor: 'system', action: 'review.machine', target: `session:${sessionId}`, branchId: item.branch_id, details: { verdict: report.verdict, findings: codes, from: item.status, to: status } });
      queued = status === 'queued' && fresh;
      if (report.verdict === 'fail' && item.machine_verdict !== 'fail') {
        const view = itemView(await itemQuery(tx).where('i.session_id', '=', sessionId).executeTakeFirstOrThrow());
        const failing = report.findings.filter((f) => f.severity === 'fail').map((f) => f.message);
        outbox = await webhooks.emit(tx, 'review.machine_failed', view, `machine review failed: ${failing.join(' ') || codes.join(', ')}`, now);
      }
    });
    if (outbox > 0) this.deps.onOutbox();
    if (queued) this.onQueued();
  }

  /**
   * Queues the machine review of `sessionId` again (its report replaces the old one when done),
   * audited; when one is already queued or running, no second job is added (`alreadyQueued`).
   * Returns whether a job was added.
   */
  async requeueMachineReview(sessionId: string, actor: string, branchId: string | null): Promise<boolean> {
    return this.deps.audit.transact(async (tx, append) => {
      await tx.selectFrom('review_items').select('session_id').where('session_id', '=', sessionId).$call(lockRows(tx, 'update')).executeTakeFirst();
      const alreadyQueued = await machineReviewWaiting(tx, sessionId);
      if (!alreadyQueued) await enqueueJob(tx, 'machine_review', sessionId, this.deps.now().toISOString());
      await append({ actor, action: 'review.machine_requeue', target: `session:${sessionId}`, branchId, details: { alreadyQueued } });
      return !alreadyQueued;
    });
  }

  /** Emits `review.overdue` once for every open item past its due time. Returns how many. */
  async flagOverdue(limit = SWEEP_LIMIT): Promise<number> {
    const { db, audit, webhooks } = this.deps;
    const now = this.deps.now();
    const due = await db
      .selectFrom('review_items')
      .select('session_id')
      .where('status', 'in', [...OPEN_STATUSES])
      .where('overdue_notified_at', 'is', null)
      .where('due_at', '<', now.toISOString())
      .orderBy('due_at')
      .limit(limit)
      .execute();
    let n = 0;
    for (const { session_id } of due) {
      const flagged = await audit.transact(async (tx, append) => {
        const r = await tx.updateTable('review_items').set({ overdue_notified_at: now.toISOString() }).where('session_id', '=', session_id).where('overdue_notified_at', 'is', null).where('status', 'in', [...OPEN_STATUSES]).executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) return false;
        const view = itemView(await itemQuery(tx).where('i.session_id', '=', session_id).executeTakeFirstOrThrow());
        await webhooks.emit(tx, 'review.overdue', view, `review of session ${session_id} was due at ${view.dueAt} (${view.status}${view.assignee ? `, assigned to ${view.assignee.username}` : ''})`, now);
        await append({ actor: 'system', action: 'review.overdue', target: `session:${session_id}`, branchId: view.branchId, details: { dueAt: view.dueAt, status: view.status, assignee: view.assignee?.staffId ?? null } });
        return true;
      });
      if (flagged) n++;
    }
    if (n > 0) this.deps.onOutbox();
    return n;
  }
}

/** A `machine_review` job of `sessionId` is queued or running. */
async function machineReviewWaiting(tx: Transaction<ServerDb>, sessionId: string): Promise<boolean> {
  const job = await tx.selectFrom('jobs').select('job_id').where('kind', '=', 'machine_review').where('session_id', '=', sessionId).where('state', 'in', ['queued', 'running']).limit(1).executeTakeFirst();
  return job !== undefined;
}
