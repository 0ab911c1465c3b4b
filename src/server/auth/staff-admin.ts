import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../core/errors.js';
import type { CreateStaffRequest, StaffView, UpdateStaffRequest } from '../../protocol/staff-api.js';
import type { BranchScope } from '../../protocol/staff.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ServerDb } from '../db/schema.js';
import type { AdminActor } from './admin-actor.js';
import { hashPassword } from './password.js';
import { principalOf, staffViewOf } from './staff-rows.js';
import { scopeContains } from './staff-guard.js';

/**
 * Staff accounts. An admin sees and changes only accounts whose whole branch scope lies inside
 * their own, and grants no branch outside it (only head office grants `'*'`). Disabling an account
 * or changing its password ends all its logins at once. Every change is audited (never the password).
 */
export class StaffAdmin {
  constructor(
    private readonly db: Kysely<ServerDb>,
    private readonly audit: AuditLog,
  ) {}

  async create(actor: AdminActor, req: CreateStaffRequest): Promise<StaffView> {
    this.assertGrantable(actor, req.branches);
    await this.assertBranchesExist(req.branches);
    const passwordHash = await hashPassword(req.password);
    const now = new Date().toISOString();
    const staffId = randomUUID();
    const row = { staff_id: staffId, username: req.username, password_hash: passwordHash, roles_json: JSON.stringify(req.roles), branches_json: JSON.stringify(req.branches), disabled: 0, created_at: now, updated_at: now, created_by: actor.createdBy };
    const inserted = await this.db.insertInto('staff').values(row).onConflict((oc) => oc.column('username').doNothing()).executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) throw new ConflictError('staff.exists', `a staff account named ${req.username} already exists`);
    await this.audit.append({ actor: actor.audit, action: 'staff.create', target: `staff:${staffId}`, branchId: singleBranch(req.branches), details: { username: req.username, roles: req.roles, branches: req.branches } });
    return staffViewOf(row);
  }

  /** Accounts inside the actor's scope, by username. */
  async list(actor: AdminActor): Promise<StaffView[]> {
    const rows = await this.db.selectFrom('staff').selectAll().orderBy('username').execute();
    return rows.map(staffViewOf).filter((v) => scopeContains(actor.scope, v.branches));
  }

  async update(actor: AdminActor, staffId: string, req: UpdateStaffRequest): Promise<StaffView> {
    const row = await this.db.selectFrom('staff').selectAll().where('staff_id', '=', staffId).executeTakeFirst();
    if (!row) throw new NotFoundError('staff.not_found', `no staff account ${staffId}`);
    const current = principalOf(row);
    if (!scopeContains(actor.scope, current.branches)) throw new ForbiddenError('auth.branch', `${actor.name} may not change ${row.username}, whose branch scope is outside theirs`);
    if (req.branches) {
      this.assertGrantable(actor, req.branches);
      await this.assertBranchesExist(req.branches);
    }
    if (actor.staffId === staffId && (req.disabled === true || (req.roles && !req.roles.includes('admin')))) {
      throw new ConflictError('staff.self_lockout', 'you may not disable your own account or remove your own admin role; ask another admin');
    }
    const now = new Date().toISOString();
    const set: Partial<ServerDb['staff']> = { updated_at: now };
    if (req.roles) set.roles_json = JSON.stringify(req.roles);
    if (req.branches) set.branches_json = JSON.stringify(req.branches);
    if (req.disabled !== undefined) set.disabled = req.disabled ? 1 : 0;
    if (req.password) set.password_hash = await hashPassword(req.password);
    const endLogins = req.disabled === true || req.password !== undefined;
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('staff').set(set).where('staff_id', '=', staffId).execute();
      if (endLogins) await tx.updateTable('staff_sessions').set({ revoked_at: now }).where('staff_id', '=', staffId).where('revoked_at', 'is', null).execute();
    });
    const action = req.disabled === true ? 'staff.disable' : 'staff.update';
    const { password, ...changed } = req;
    await this.audit.append({ actor: actor.audit, action, target: `staff:${staffId}`, branchId: singleBranch(req.branches ?? current.branches), details: { username: row.username, ...changed, passwordChanged: password !== undefined } });
    return staffViewOf({ ...row, ...set });
  }

  private assertGrantable(actor: AdminActor, scope: BranchScope): void {
    if (!scopeContains(actor.scope, scope)) {
      const what = scope === '*' ? "head-office scope ('*')" : `branches ${scope.join(', ')}`;
      throw new ForbiddenError('auth.branch', `${actor.name} may not grant ${what}: outside their own branch scope`);
    }
  }

  private async assertBranchesExist(scope: BranchScope): Promise<void> {
    if (scope === '*') return;
    const found = await this.db.selectFrom('branches').select('branch_id').where('branch_id', 'in', scope).execute();
    const missing = scope.filter((b) => !found.some((f) => f.branch_id === b));
    if (missing.length > 0) throw new ValidationError('staff.unknown_branch', `branches: no such branch ${missing.join(', ')}; create it first`);
  }
}

/** The branch an audit entry belongs to: the one branch of a single-branch scope, else none. */
function singleBranch(scope: BranchScope): string | null {
  return scope !== '*' && scope.length === 1 ? scope[0]! : null;
}
