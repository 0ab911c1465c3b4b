import type { FastifyInstance } from 'fastify';
import { TooManyRequestsError } from '../../core/errors.js';
import { parseOrThrow } from '../../core/validate.js';
import { API_PREFIX } from '../../protocol/server-api.js';
import { ALL_STAFF_ROLES, BranchParams, CreateBranchRequest, CreateEnrollmentCodeRequest, CreateStaffRequest, LoginRequest, StaffParams, UpdateStaffRequest } from '../../protocol/staff-api.js';
import { staffActor } from '../auth/admin-actor.js';
import type { BranchAdmin } from '../auth/branch-admin.js';
import type { StaffGuard } from '../auth/guard.js';
import { PUBLIC_ROUTE, staffRoute } from '../auth/route-config.js';
import type { StaffAdmin } from '../auth/staff-admin.js';
import type { StaffAuth } from '../auth/staff-auth.js';

export interface StaffRouteDeps {
  guard: StaffGuard;
  auth: StaffAuth;
  staff: StaffAdmin;
  branches: BranchAdmin;
  /** Login attempts per client address per minute (this instance). */
  loginMaxPerIpPerMinute: number;
}

const ANY_STAFF = staffRoute(...ALL_STAFF_ROLES);
const ADMIN = staffRoute('admin');

/** Staff login/refresh/logout/me, and the admin API for staff accounts, branches and booth enrollment codes. */
export function registerStaffRoutes(app: FastifyInstance, deps: StaffRouteDeps): void {
  const { guard } = deps;
  const session = (req: Parameters<StaffGuard['principal']>[0]) => {
    if (!req.authStaffSession) throw new Error('staff route without a verified login session');
    return req.authStaffSession;
  };

  app.post(
    `${API_PREFIX}/auth/login`,
    {
      config: {
        ...PUBLIC_ROUTE.config,
        rateLimit: {
          max: deps.loginMaxPerIpPerMinute,
          timeWindow: 60_000,
          errorResponseBuilder: (_req, ctx) => new TooManyRequestsError('auth.rate_limited', `too many login attempts from this address; try again in ${Math.max(1, Math.ceil(ctx.ttl / 1000))} s`),
        },
      },
    },
    async (req) => deps.auth.login(parseOrThrow(LoginRequest, req.body, 'login request'), req.ip),
  );

  app.post(`${API_PREFIX}/auth/refresh`, ANY_STAFF, async (req) => deps.auth.refresh(guard.principal(req), session(req)));

  app.post(`${API_PREFIX}/auth/logout`, ANY_STAFF, async (req, reply) => {
    await deps.auth.logout(guard.principal(req), session(req));
    return reply.status(204).send();
  });

  app.get(`${API_PREFIX}/auth/me`, ANY_STAFF, async (req) => guard.principal(req));

  app.get(`${API_PREFIX}/staff`, ADMIN, async (req) => ({ staff: await deps.staff.list(staffActor(guard.principal(req))) }));

  app.post(`${API_PREFIX}/staff`, ADMIN, async (req, reply) => {
    const body = parseOrThrow(CreateStaffRequest, req.body, 'new staff account');
    return reply.status(201).send(await deps.staff.create(staffActor(guard.principal(req)), body));
  });

  app.patch(`${API_PREFIX}/staff/:staffId`, ADMIN, async (req) => {
    const { staffId } = parseOrThrow(StaffParams, req.params, 'staff id');
    const body = parseOrThrow(UpdateStaffRequest, req.body, 'staff update');
    return deps.staff.update(staffActor(guard.principal(req)), staffId, body);
  });

  app.get(`${API_PREFIX}/branches`, ANY_STAFF, async (req) => ({ branches: await deps.branches.list(staffActor(guard.principal(req))) }));

  app.post(`${API_PREFIX}/branches`, ADMIN, async (req, reply) => {
    const body = parseOrThrow(CreateBranchRequest, req.body, 'new branch');
    return reply.status(201).send(await deps.branches.create(staffActor(guard.principal(req)), body));
  });

  app.post(`${API_PREFIX}/branches/:branchId/enrollment-codes`, ADMIN, async (req, reply) => {
    const { branchId } = parseOrThrow(BranchParams, req.params, 'branch id');
    const body = parseOrThrow(CreateEnrollmentCodeRequest, req.body ?? {}, 'enrollment code request');
    return reply.status(201).send(await deps.branches.createEnrollmentCode(staffActor(guard.principal(req)), branchId, body.ttlHours));
  });
}
