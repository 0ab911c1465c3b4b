import { NotFoundError } from '../../../core/errors.js';
import type { ReviewSessionDetail, ReviewItemView } from '../../../protocol/review.js';
import type { MonitorList, ReviewListQuery } from '../../../protocol/review-api.js';
import type { StaffPrincipal } from '../../../protocol/staff.js';
import { staffActor } from '../../auth/admin-actor.js';
import { listDerivedFiles, DERIVED_FILES } from '../../archive/derived-files.js';
import { readArchivedSession } from '../../evidence/evidence-files.js';
import { assertScope } from '../../evidence/scope.js';
import type { BlobStore } from '../../storage/blob-store.js';
import type { MachineReports, Screenshots } from '../ports.js';
import type { ReviewItems } from './review-items.js';
import { decisionQuery, decisionView, itemQuery, itemView, OPEN_STATUSES } from './review-rows.js';
import { buildTimeline, parseRecordForTimeline } from './timeline.js';
import { staffAuditActor, type WorkflowDeps } from './workflow-deps.js';

/** The machine review's outputs, when this server has them wired (server.ts); null: none to show. */
export interface ReviewPorts {
  reports: MachineReports | null;
  screenshots: Screenshots | null;
}

/** Sessions still recording the monitor shows at most. */
const MONITOR_LIMIT = 200;

/**
 * What reviewers and supervisors read, always within their branch scope: the list of review items,
 * a session's page (item, machine report, screenshots, decisions, media names and the timeline),
 * screenshot images and the live monitor. Every session page and screenshot read is audited
 * (`review.read`, `review.screenshot`).
 */
export class ReviewReader {
  constructor(
    private readonly deps: WorkflowDeps,
    private readonly items: ReviewItems,
    private readonly ports: ReviewPorts,
    private readonly store: BlobStore,
  ) {}

  async list(p: StaffPrincipal, q: ReviewListQuery): Promise<ReviewItemView[]> {
    if (q.branchId) assertScope(staffActor(p), q.branchId, `branch ${q.branchId}`);
    let query = itemQuery(this.deps.db).orderBy('s.started_at', 'desc').orderBy('i.session_id').limit(q.limit);
    if (q.branchId) query = query.where('i.branch_id', '=', q.branchId);
    else if (p.branches !== '*') query = query.where('i.branch_id', 'in', [...p.branches]);
    if (q.status === 'open') query = query.where('i.status', 'in', [...OPEN_STATUSES]);
    else if (q.status) query = query.where('i.status', '=', q.status);
    if (q.productId) query = query.where('s.product_id', '=', q.productId);
    if (q.from) query = query.where('s.started_at', '>=', q.from);
    if (q.to) query = query.where('s.started_at', '<', q.to);
    if (q.before) query = query.where('s.started_at', '<', q.before);
    if (q.assignee === 'me') query = query.where('i.assignee_id', '=', p.staffId);
    return (await query.execute()).map(itemView);
  }

  /** The item of an archived session in `p`'s scope (made when missing); NotFoundError / ConflictError / ForbiddenError otherwise. */
  async itemInScope(p: StaffPrincipal, sessionId: string): Promise<ReviewItemView> {
    await readArchivedSession(this.deps.db, sessionId);
    await this.items.ensure(this.deps.db, sessionId);
    const row = await itemQuery(this.deps.db).where('i.session_id', '=', sessionId).executeTakeFirst();
    if (!row) throw new NotFoundError('review.unknown', `session ${sessionId} has no review item`);
    assertScope(staffActor(p), row.branch_id, `session ${sessionId}`);
    return itemView(row);
  }

  async detail(p: StaffPrincipal, sessionId: string): Promise<ReviewSessionDetail> {
    const item = await this.itemInScope(p, sessionId);
    const s = await readArchivedSession(this.deps.db, sessionId);
    const report = (await this.ports.reports?.get(sessionId)) ?? null;
    const screenshots = (await this.ports.screenshots?.list(sessionId)) ?? [];
    const decisions = (await decisionQuery(this.deps.db).where('d.session_id', '=', sessionId).orderBy('d.decision_id').execute()).map(decisionView);
    const manifest = parseRecordForTimeline(await this.store.get(s.recordKey), sessionId);
    const faults = await this.deps.db
      .selectFrom('booth_faults')
      .select(['kind', 'severity', 'message', 'since'])
      .where('booth_id', '=', s.boothId)
      .where((eb) => eb.or([eb('session_id', '=', sessionId), eb.and([eb('session_id', 'is', null), eb('since', '>=', s.startedAt), eb('since', '<=', s.endedAt ?? s.archivedAt)])]))
      .orderBy('since')
      .execute();
    const derived = new Map((await listDerivedFiles(this.deps.db, sessionId)).map((d) => [d.kind, d]));
    const nameOf = (kind: keyof typeof DERIVED_FILES) => {
      const d = derived.get(kind);
      return d ? `${kind}.${/\.([A-Za-z0-9]{1,8})$/.exec(d.key)?.[1] ?? 'bin'}` : null;
    };
    await this.deps.audit.append({ actor: staffAuditActor(p.staffId), action: 'review.read', target: `session:${sessionId}`, branchId: item.branchId, details: { status: item.status } });
    return {
      item,
      report,
      timeline: buildTimeline(manifest, faults, screenshots, report),
      screenshots,
      decisions,
      media: { video: nameOf('final-video') ?? 'recording.mp4', audio: nameOf('audio'), thumbnails: nameOf('thumbnails') },
      can: {
        decide: (item.status === 'assigned' && item.assignee?.staffId === p.staffId && p.roles.includes('reviewer')) || (item.status === 'escalated' && p.roles.includes('supervisor')),
        supervise: p.roles.includes('supervisor'),
      },
    };
  }

  async screenshot(p: StaffPrincipal, sessionId: string, screenshotId: string): Promise<Buffer> {
    const branchId = await this.screenshotScope(p, sessionId);
    if (!this.ports.screenshots) throw new NotFoundError('review.no_screenshot', `session ${sessionId} has no screenshot ${screenshotId} (screenshots are not enabled on this server)`);
    const jpeg = await this.ports.screenshots.image(sessionId, screenshotId);
    await this.deps.audit.append({ actor: staffAuditActor(p.staffId), action: 'review.screenshot', target: `session:${sessionId}`, branchId, details: { screenshotId } });
    return jpeg;
  }

  /**
   * The branch of a screenshot's session, in `p`'s scope: an archived session's through its review
   * item; a session not archived yet (still recording: the live monitor shows its latest
   * screenshot) through its booth's branch. NotFoundError for an unknown session.
   */
  private async screenshotScope(p: StaffPrincipal, sessionId: string): Promise<string | null> {
    const s = await this.deps.db
      .selectFrom('sessions as s')
      .innerJoin('booths as b', 'b.booth_id', 's.booth_id')
      .select(['s.status', 'b.branch_id'])
      .where('s.session_id', '=', sessionId)
      .executeTakeFirst();
    if (!s || s.status === 'archived') return (await this.itemInScope(p, sessionId)).branchId;
    assertScope(staffActor(p), s.branch_id, `session ${sessionId}`);
    return s.branch_id;
  }

  /** Sessions recording now in `p`'s scope, newest first, with their latest screenshot. */
  async monitor(p: StaffPrincipal): Promise<MonitorList> {
    let q = this.deps.db
      .selectFrom('sessions as s')
      .innerJoin('booths as b', 'b.booth_id', 's.booth_id')
      .select(['s.session_id', 's.booth_id', 'b.branch_id', 's.started_at', (eb) => eb.selectFrom('segments as g').select((e) => e.fn.countAll<number>().as('n')).whereRef('g.session_id', '=', 's.session_id').as('segments')])
      .where('s.status', '=', 'recording')
      .orderBy('s.started_at', 'desc')
      .limit(MONITOR_LIMIT);
    if (p.branches !== '*') q = q.where('b.branch_id', 'in', [...p.branches]);
    const rows = await q.execute();
    const latest = this.ports.screenshots ? await this.ports.screenshots.latest(rows.map((r) => r.session_id)) : new Map();
    return { sessions: rows.map((r) => ({ sessionId: r.session_id, boothId: r.booth_id, branchId: r.branch_id, startedAt: r.started_at, segments: Number(r.segments ?? 0), latest: latest.get(r.session_id) ?? null })) };
  }
}
