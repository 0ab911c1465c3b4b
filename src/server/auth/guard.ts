import type { FastifyRequest } from 'fastify';
import type { BranchId, StaffPrincipal, StaffRole } from '../../protocol/staff.js';

/**
 * Who may call a route. EVERY server route declares one in its route options,
 * `{ config: { auth: { kind: 'staff', roles: ['reviewer', 'supervisor'] } } }`; the auth hook
 * enforces it before the handler runs (401 without valid credentials, 403 for a wrong role), app
 * start-up refuses a route without one, and the API hardening test enumerates them all.
 */
export type RouteAuth =
  | { kind: 'public' }
  | { kind: 'booth' }
  | { kind: 'staff'; roles: readonly StaffRole[] };

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
}

/**
 * The one place staff routes ask "who is this and may they do it". The hook calls
 * `guard.staff(req, roles)` for `kind: 'staff'` routes; handlers get the verified principal with
 * `guard.principal(req)`, then check branch-scoped data with `guard.assertBranch` (403) or limit
 * queries with `guard.branchFilter`.
 */
export interface StaffGuard {
  /** Authenticates the request's staff token and requires at least one of `roles`. */
  staff(req: FastifyRequest, roles: readonly StaffRole[]): Promise<StaffPrincipal>;
  /** The principal the hook verified for this request (throws if the route is not a staff route). */
  principal(req: FastifyRequest): StaffPrincipal;
  /** Throws ForbiddenError unless the principal's scope covers `branchId`. */
  assertBranch(p: StaffPrincipal, branchId: BranchId): void;
  /** The branches a query must be limited to, or null for every branch. */
  branchFilter(p: StaffPrincipal): readonly BranchId[] | null;
}
