import type { FastifyRequest } from 'fastify';
import type { BranchId, StaffPrincipal, StaffRole } from '../../protocol/staff.js';

/**
 * The one place staff routes ask "who is this and may they do it". Every staff route calls
 * `guard.staff(req, roles)` first; it verifies the bearer token (401 if missing or invalid) and
 * the role (403), and returns the principal. Branch-scoped data is then checked with
 * `guard.assertBranch` (403) or filtered with `guard.branchFilter`.
 */
export interface StaffGuard {
  /** Authenticates the request's staff token and requires at least one of `roles`. */
  staff(req: FastifyRequest, roles: readonly StaffRole[]): Promise<StaffPrincipal>;
  /** Throws ForbiddenError unless the principal's scope covers `branchId`. */
  assertBranch(p: StaffPrincipal, branchId: BranchId): void;
  /** The branches a query must be limited to, or null for every branch. */
  branchFilter(p: StaffPrincipal): readonly BranchId[] | null;
}
