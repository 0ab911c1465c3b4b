import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { StaffPrincipal } from '../../protocol/staff.js';
import type { AuthedBooth } from '../ingest/auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The booth the auth hook verified (booth routes), else null. */
    authBooth: AuthedBooth | null;
    /** The staff principal the auth hook verified (staff routes), else null. */
    authStaff: StaffPrincipal | null;
    /** The login session of the verified staff token (staff routes), else null. */
    authStaffSession: string | null;
  }
}

/** Adds the verified-caller slots to every request (null until the auth hook fills them). */
export function decorateAuthRequest(app: FastifyInstance): void {
  app.decorateRequest('authBooth', null);
  app.decorateRequest('authStaff', null);
  app.decorateRequest('authStaffSession', null);
}

/** The booth the hook verified; a route handler on a `{kind:'booth'}` route always has one. */
export function boothOf(req: FastifyRequest): AuthedBooth {
  if (!req.authBooth) throw new Error(`route ${req.routeOptions.url ?? req.url} reads a booth but is not a booth route`);
  return req.authBooth;
}
