import type { Transaction } from 'kysely';
import type { StaffPrincipal } from '../../../protocol/staff.js';
import type { ReviewerHeartbeat } from '../../../protocol/review-api.js';
import { principalOf } from '../../auth/staff-rows.js';
import { scopeCovers } from '../../auth/staff-guard.js';
import { dialectOf, lockRows } from '../../db/portable.js';
import type { ServerDb } from '../../db/schema.js';
import type { WorkflowDeps } from './workflow-deps.js';

/** Queued items one pass tries to assign at most. */
const PASS_LIMIT = 500;

export interface OnlineReviewer {
  staffId: string;
  username: string;
  branches: StaffPrincipal['branches'];
  lastAssignedAt: string | null;
}

/**
 * Who reviews what. A queued item goes to the ONLINE reviewer (role reviewer, enabled, a live
 * login, a heartbeat within `onlineWindowSec`) whose branch scope covers the item's branch and who
 * has the fewest open (assigned) items, below `maxOpenPerReviewer`; ties go to the one assigned
 * least recently (never first), then by staff id. Nobody online with room: the item stays queued
 * until someone is (a heartbeat, or a decision that frees a place, runs a pass). A reviewer who goes
 * offline (no heartbeat, logged out, disabled, role removed) gets their open items taken back and
 * handed to others, and so do the items of a branch their scope no longer covers.
 *
 * Several instances: each item is taken with `FOR UPDATE SKIP LOCKED` and re-checked as `queued`;
 * the candidates' presence rows are locked (in staff id order, so never a deadlock) before their
 * loads are counted, so two instances assigning at once count each other's committed assignments
 * and the least-loaded rule holds across instances. SQLite runs transactions one at a time.
 */
export class Assigner {
  constructor(private readonly deps: WorkflowDeps) {}

  /** Marks `p` online now and assigns what waits for them; returns their open count. */
  async heartbeat(p: StaffPrincipal): Promise<ReviewerHeartbeat> {
    const { db } = this.deps;
    const now = this.deps.now().toISOString();
    await db
      .insertInto('reviewer_presence')
      .values({ staff_id: p.staffId, last_seen_at: now, last_assigned_at: null })
      .onConflict((oc) => oc.column('staff_id').doUpdateSet({ last_seen_at: now }))
      .execute();
    await this.assignQueued();
    return { online: true, open: await this.openCount(p.staffId) };
  }

  async openCount(staffId: string): Promise<number> {
    const r = await this.deps.db.selectFrom('review_items').select((eb) => eb.fn.countAll<number>().as('n')).where('assignee_id', '=', staffId).where('status', '=', 'assigned').executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** The reviewers online now (see the class comment), read in `db` (a transaction or not). */
  async online(db: WorkflowDeps['db'] | Transaction<ServerDb> = this.deps.db): Promise<OnlineReviewer[]> {
    const now = this.deps.now();
    const since = new Date(now.getTime() - this.deps.config.onlineWindowSec * 1000).toISOString();
    const rows = await db
      .selectFrom('reviewer_presence as p')
      .innerJoin('staff as s', 's.staff_id', 'p.staff_id')
      .select(['s.staff_id', 's.username', 's.roles_json', 's.branches_json', 'p.last_assigned_at'])
      .where('p.last_seen_at', '>=', since)
      .where('s.disabled', '=', 0)
      .where(({ exists, selectFrom }) =>
        exists(selectFrom('staff_sessions as l').select('l.session_id').whereRef('l.staff_id', '=', 's.staff_id').where('l.revoked_at', 'is', null).where('l.expires_at', '>', now.toISOString())),
      )
      .orderBy('s.staff_id')
      .execute();
    return rows
      .map((r) => ({ p: principalOf(r), lastAssignedAt: r.last_assigned_at }))
      .filter((r) => r.p.roles.includes('reviewer'))
      .map((r) => ({ staffId: r.p.staffId, username: r.p.username, branches: r.p.branches, lastAssignedAt: r.lastAssignedAt }));
  }

  /** Assigns every queued item someone online with room can take (oldest due first). Returns how many were assigned. */
  async assignQueued(limit = PASS_LIMIT): Promise<number> {
    const queued = await this.deps.db.selectFrom('review_items').select(['session_id', 'branch_id']).where('status', '=', 'queued').orderBy('due_at').orderBy('created_at').orderBy('session_id').limit(limit).execute();
    if (queued.length === 0) return 0;
    const online = await this.online();
    const cap = this.deps.config.maxOpenPerReviewer;
    const load = await loadsOf(this.deps.db, online.map((r) => r.staffId));
    // Only items someone online with room could take open a transaction (heartbeats run this pass
    // often); assignOne re-checks under its locks.
    let n = 0;
    for (const q of queued) {
      if (!online.some((r) => (load.get(r.staffId) ?? 0) < cap && covers(r, q.branch_id))) continue;
      const chosen = await this.assignOne(q.session_id);
      if (chosen === null) continue;
      load.set(chosen, (load.get(chosen) ?? 0) + 1);
      n++;
    }
    return n;
  }

  /** Assigns one queued item in its own transaction; the assignee, or null when it is not queued (any more), taken by another instance, or nobody with room can take it. */
  private async assignOne(sessionId: string): Promise<string | null> {
    return this.deps.audit.transact(async (tx, append) => {
      const pg = dialectOf(tx) === 'postgres';
      let q = tx.selectFrom('review_items').select(['session_id', 'branch_id']).where('session_id', '=', sessionId).where('status', '=', 'queued');
      if (pg) q = q.forUpdate().skipLocked();
      const item = await q.executeTakeFirst();
      if (!item) return null;
      const candidates = (await this.online(tx)).filter((r) => covers(r, item.branch_id));
      if (candidates.length === 0) return null;
      const ids = candidates.map((c) => c.staffId);
      // Lock the candidates' presence rows, then read their loads and last assignment as committed.
      const presence = await tx.selectFrom('reviewer_presence').select(['staff_id', 'last_assigned_at']).where('staff_id', 'in', ids).orderBy('staff_id').$call(lockRows(tx, 'update')).execute();
      const load = await loadsOf(tx, ids);
      const last = new Map(presence.map((p) => [p.staff_id, p.last_assigned_at]));
      const ranked = candidates
        .map((c) => ({ ...c, open: load.get(c.staffId) ?? 0, lastAssignedAt: last.get(c.staffId) ?? null }))
        .filter((c) => c.open < this.deps.config.maxOpenPerReviewer)
        .sort((a, b) => a.open - b.open || compareIdle(a.lastAssignedAt, b.lastAssignedAt) || (a.staffId < b.staffId ? -1 : 1));
      const chosen = ranked[0];
      if (!chosen) return null; // everyone in scope is at the cap: it waits for a decision
      const now = this.deps.now().toISOString();
      const r = await tx
        .updateTable('review_items')
        .set({ status: 'assigned', assignee_id: chosen.staffId, assigned_at: now, updated_at: now })
        .where('session_id', '=', sessionId)
        .where('status', '=', 'queued')
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return null;
      await tx.updateTable('reviewer_presence').set({ last_assigned_at: now }).where('staff_id', '=', chosen.staffId).execute();
      await append({ actor: 'system', action: 'review.assign', target: `session:${sessionId}`, branchId: item.branch_id, details: { staffId: chosen.staffId, username: chosen.username, open: chosen.open, candidates: candidates.length } });
      return chosen.staffId;
    });
  }

  /**
   * Takes back the open items of reviewers who are not online any more, or whose scope no longer
   * covers the item's branch (queued again; the sweep's next step assigns them to others). Returns how many.
   */
  async reassignOffline(): Promise<number> {
    const { db } = this.deps;
    const online = new Map((await this.online()).map((r) => [r.staffId, r]));
    const held = await db.selectFrom('review_items').select(['session_id', 'assignee_id', 'branch_id']).where('status', '=', 'assigned').orderBy('assigned_at').execute();
    const orphaned = held.filter((h) => h.assignee_id !== null && lostBecause(online.get(h.assignee_id), h.branch_id) !== null);
    let n = 0;
    for (const h of orphaned) {
      const taken = await this.deps.audit.transact(async (tx, append) => {
        const item = await tx.selectFrom('review_items').select(['branch_id']).where('session_id', '=', h.session_id).where('status', '=', 'assigned').where('assignee_id', '=', h.assignee_id).$call(lockRows(tx, 'update')).executeTakeFirst();
        if (!item) return false;
        // Re-check under the lock: a heartbeat may have arrived meanwhile.
        const reason = lostBecause((await this.online(tx)).find((r) => r.staffId === h.assignee_id), item.branch_id);
        if (reason === null) return false;
        const now = this.deps.now().toISOString();
        await tx.updateTable('review_items').set({ status: 'queued', assignee_id: null, assigned_at: null, updated_at: now }).where('session_id', '=', h.session_id).execute();
        await append({ actor: 'system', action: 'review.reassign', target: `session:${h.session_id}`, branchId: item.branch_id, details: { from: h.assignee_id, reason } });
        return true;
      });
      if (taken) n++;
    }
    return n;
  }
}

/** Why an assignee (as online now, or undefined) may not keep an item of `branchId`; null: they keep it. */
function lostBecause(r: OnlineReviewer | undefined, branchId: string | null): string | null {
  if (!r) return 'reviewer offline';
  return covers(r, branchId) ? null : 'branch out of scope';
}

/** Open (assigned) items per staff id among `ids`, read in `db`. */
async function loadsOf(db: WorkflowDeps['db'] | Transaction<ServerDb>, ids: string[]): Promise<Map<string | null, number>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('review_items').select(['assignee_id', (eb) => eb.fn.countAll<number>().as('n')]).where('status', '=', 'assigned').where('assignee_id', 'in', ids).groupBy('assignee_id').execute();
  return new Map(rows.map((l) => [l.assignee_id, Number(l.n)]));
}

/** A reviewer's scope covers an item's branch (a booth without a branch: head office only). */
function covers(r: Pick<OnlineReviewer, 'branches'>, branchId: string | null): boolean {
  return branchId === null ? r.branches === '*' : scopeCovers(r.branches, branchId);
}

/** Never assigned first, then the longest ago. */
function compareIdle(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

