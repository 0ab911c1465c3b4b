import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import { NotFoundError } from '../../../core/errors.js';
import { parseStoredJson } from '../../../core/validate.js';
import { FindingCode, MachineVerdict, RejectReason, ReviewStatus, type ReviewDecisionView, type ReviewItemView } from '../../../protocol/review.js';
import type { ServerDb } from '../../db/schema.js';

export type Db = Kysely<ServerDb> | Transaction<ServerDb>;
export type ItemRow = ServerDb['review_items'];

/** Statuses where a person still has to act (the list's `open` filter; due times apply). */
export const OPEN_STATUSES = ['queued', 'assigned', 'escalated'] as const;

const FindingCodes = z.array(FindingCode);
const Reasons = z.array(RejectReason);

export const findingCodesOf = (row: Pick<ItemRow, 'session_id' | 'finding_codes_json'>) => parseStoredJson(FindingCodes, row.finding_codes_json, `finding codes of review item ${row.session_id}`, 'review.bad_row');

/** The item joined with what the list shows: session, archive, assignee. */
export function itemQuery(db: Db) {
  return db
    .selectFrom('review_items as i')
    .innerJoin('sessions as s', 's.session_id', 'i.session_id')
    .innerJoin('archives as a', 'a.session_id', 'i.session_id')
    .leftJoin('staff as st', 'st.staff_id', 'i.assignee_id')
    .selectAll('i')
    .select(['s.booth_id', 's.product_id', 's.started_at', 'a.duration_sec', 'st.username as assignee_name']);
}

type ItemJoined = ItemRow & { booth_id: string; product_id: string; started_at: string; duration_sec: number; assignee_name: string | null };

export function itemView(r: ItemJoined): ReviewItemView {
  return {
    sessionId: r.session_id,
    boothId: r.booth_id,
    branchId: r.branch_id,
    productId: r.product_id,
    startedAt: r.started_at,
    durationSec: Number(r.duration_sec),
    status: ReviewStatus.parse(r.status),
    machineVerdict: r.machine_verdict === null ? null : MachineVerdict.parse(r.machine_verdict),
    findingCodes: findingCodesOf(r),
    assignee: r.assignee_id === null ? null : { staffId: r.assignee_id, username: r.assignee_name ?? '' },
    assignedAt: r.assigned_at,
    dueAt: r.due_at,
    outcome: r.outcome === null ? null : z.enum(['accepted', 'rejected']).parse(r.outcome),
    updatedAt: r.updated_at,
  };
}

/** The item of `sessionId` as the API shows it; NotFoundError when there is none. */
export async function readItemView(db: Db, sessionId: string): Promise<ReviewItemView> {
  const row = await itemQuery(db).where('i.session_id', '=', sessionId).executeTakeFirst();
  if (!row) throw new NotFoundError('review.unknown', `session ${sessionId} has no review item (unknown or not archived)`);
  return itemView(row);
}

/** Decisions joined with their decider and check. */
export function decisionQuery(db: Db) {
  return db
    .selectFrom('review_decisions as d')
    .innerJoin('staff as ds', 'ds.staff_id', 'd.staff_id')
    .leftJoin('supervisor_checks as c', 'c.decision_id', 'd.decision_id')
    .leftJoin('staff as cs', 'cs.staff_id', 'c.staff_id')
    .selectAll('d')
    .select(['ds.username', 'c.outcome as check_outcome', 'c.staff_id as check_staff_id', 'cs.username as check_username', 'c.comment as check_comment', 'c.checked_at']);
}

type DecisionJoined = Omit<ServerDb['review_decisions'], 'decision_id'> & {
  decision_id: number;
  username: string;
  check_outcome: string | null;
  check_staff_id: string | null;
  check_username: string | null;
  check_comment: string | null;
  checked_at: string | null;
};

export function decisionView(r: DecisionJoined): ReviewDecisionView {
  const id = String(Number(r.decision_id));
  return {
    decisionId: id,
    sessionId: r.session_id,
    staffId: r.staff_id,
    username: r.username,
    role: z.enum(['reviewer', 'supervisor']).parse(r.role),
    decision: z.enum(['accept', 'reject', 'escalate']).parse(r.decision),
    reasons: parseStoredJson(Reasons, r.reasons_json, `reasons of decision ${id}`, 'review.bad_row'),
    comment: r.comment,
    machineVerdict: MachineVerdict.parse(r.machine_verdict),
    decidedAt: r.decided_at,
    check:
      r.check_outcome === null
        ? null
        : { outcome: z.enum(['confirmed', 'overturned']).parse(r.check_outcome), staffId: r.check_staff_id!, username: r.check_username ?? '', comment: r.check_comment ?? '', checkedAt: r.checked_at! },
  };
}

/** A decision that goes against the machine: accepting what it failed, rejecting what it passed. */
export function contradictsMachine(d: { decision: string; machine_verdict: string }): boolean {
  return (d.decision === 'accept' && d.machine_verdict === 'fail') || (d.decision === 'reject' && d.machine_verdict === 'pass');
}
