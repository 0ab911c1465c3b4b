import type { Kysely } from 'kysely';
import { ConflictError, ForbiddenError, NotFoundError } from '../../core/errors.js';
import type { BranchView, CreateBranchRequest, EnrollmentCodeResponse } from '../../protocol/staff-api.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ServerDb } from '../db/schema.js';
import { createEnrollmentCode } from '../ingest/auth.js';
import type { AdminActor } from './admin-actor.js';
import { scopeCovers } from './staff-guard.js';

/** Branches and the one-time codes that enroll a booth into one. Every change is audited. */
export class BranchAdmin {
  constructor(
    private readonly db: Kysely<ServerDb>,
    private readonly audit: AuditLog,
  ) {}

  /** Only head office (scope `'*'`) creates branches. */
  async create(actor: AdminActor, req: CreateBranchRequest): Promise<BranchView> {
    if (actor.scope !== '*') throw new ForbiddenError('auth.head_office', `only head-office admins (branch scope '*') create branches; ${actor.name} is scoped to ${actor.scope.join(', ')}`);
    const now = new Date().toISOString();
    const inserted = await this.db.insertInto('branches').values({ branch_id: req.branchId, name: req.name, created_at: now }).onConflict((oc) => oc.column('branch_id').doNothing()).executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) throw new ConflictError('branch.exists', `branch ${req.branchId} already exists`);
    await this.audit.append({ actor: actor.audit, action: 'branch.create', target: `branch:${req.branchId}`, branchId: req.branchId, details: { name: req.name } });
    return { branchId: req.branchId, name: req.name, createdAt: now };
  }

  /** Branches inside the actor's scope, by id. */
  async list(actor: Pick<AdminActor, 'scope'>): Promise<BranchView[]> {
    const rows = await this.db.selectFrom('branches').selectAll().orderBy('branch_id').execute();
    return rows.filter((r) => scopeCovers(actor.scope, r.branch_id)).map((r) => ({ branchId: r.branch_id, name: r.name, createdAt: r.created_at }));
  }

  /** A one-time code that enrolls one booth into `branchId` (which must be in the actor's scope). */
  async createEnrollmentCode(actor: AdminActor, branchId: string, ttlHours: number): Promise<EnrollmentCodeResponse> {
    if (!scopeCovers(actor.scope, branchId)) throw new ForbiddenError('auth.branch', `${actor.name} may not enroll booths into branch ${branchId} (outside their branch scope)`);
    const branch = await this.db.selectFrom('branches').select('branch_id').where('branch_id', '=', branchId).executeTakeFirst();
    if (!branch) throw new NotFoundError('branch.not_found', `no branch ${branchId}; create it first`);
    const { code, expiresAt } = await createEnrollmentCode(this.db, { ttlHours, branchId, createdBy: actor.createdBy });
    await this.audit.append({ actor: actor.audit, action: 'booth.enroll_code', target: `branch:${branchId}`, branchId, details: { expiresAt, ttlHours } });
    return { code, branchId, expiresAt };
  }
}
