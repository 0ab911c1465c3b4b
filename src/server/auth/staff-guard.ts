import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { ForbiddenError, UnauthorizedError } from '../../core/errors.js';
import type { BranchId, BranchScope, StaffPrincipal, StaffRole } from '../../protocol/staff.js';
import type { ServerDb } from '../db/schema.js';
import type { AccessTokens } from './access-tokens.js';
import type { StaffGuard } from './guard.js';
import { principalOf } from './staff-rows.js';

/** True when `scope` covers `branchId`. */
export function scopeCovers(scope: BranchScope, branchId: BranchId): boolean {
  return scope === '*' || scope.includes(branchId);
}

/** True when every branch of `inner` is inside `outer` (`'*'` only inside `'*'`). */
export function scopeContains(outer: BranchScope, inner: BranchScope): boolean {
  if (outer === '*') return true;
  if (inner === '*') return false;
  return inner.every((b) => outer.includes(b));
}

/**
 * The StaffGuard backed by the database: a staff token is a signed JWT naming a login session;
 * the session and its account are read on every call, so a logout, an expired login, a disabled
 * account or a changed role is honoured on the very next request, on every instance.
 */
export class DbStaffGuard implements StaffGuard {
  constructor(
    private readonly db: Kysely<ServerDb>,
    private readonly tokens: AccessTokens,
  ) {}

  async staff(req: FastifyRequest, roles: readonly StaffRole[]): Promise<StaffPrincipal> {
    const m = /^Bearer ([A-Za-z0-9._-]{1,4096})$/.exec(req.headers.authorization ?? '');
    if (!m) throw new UnauthorizedError('auth.missing', 'this endpoint needs a staff token (Authorization: Bearer …, from POST /api/v1/auth/login)');
    const claims = await this.tokens.verify(m[1]!);
    const row = await this.db
      .selectFrom('staff_sessions as s')
      .innerJoin('staff as a', 'a.staff_id', 's.staff_id')
      .select(['a.staff_id', 'a.username', 'a.roles_json', 'a.branches_json', 'a.disabled', 's.expires_at', 's.revoked_at'])
      .where('s.session_id', '=', claims.sessionId)
      .where('s.staff_id', '=', claims.staffId)
      .executeTakeFirst();
    if (!row || row.revoked_at !== null || row.disabled === 1 || row.expires_at <= new Date().toISOString()) {
      throw new UnauthorizedError('auth.revoked', 'this login has ended (logged out, expired or the account was disabled); log in again');
    }
    const principal = principalOf(row);
    if (!principal.roles.some((r) => roles.includes(r))) {
      throw new ForbiddenError('auth.role', `this needs one of the roles ${roles.join(', ')}; ${principal.username} has ${principal.roles.join(', ')}`);
    }
    req.authStaff = principal;
    req.authStaffSession = claims.sessionId;
    return principal;
  }

  principal(req: FastifyRequest): StaffPrincipal {
    if (!req.authStaff) throw new Error(`route ${req.routeOptions.url ?? req.url} reads a staff principal but is not a staff route`);
    return req.authStaff;
  }

  assertBranch(p: StaffPrincipal, branchId: BranchId): void {
    if (!scopeCovers(p.branches, branchId)) throw new ForbiddenError('auth.branch', `${p.username} may not act on branch ${branchId} (outside their branch scope)`);
  }

  branchFilter(p: StaffPrincipal): readonly BranchId[] | null {
    return p.branches === '*' ? null : p.branches;
  }
}
