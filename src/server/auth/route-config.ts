import type { StaffRole } from '../../protocol/staff.js';
import type { RouteAuth } from './guard.js';

/** Route options declaring who may call a route: spread into `app.get(url, { ...opts }, handler)`. */
export interface AuthRouteOptions {
  config: { auth: RouteAuth };
}

/** Anyone (login, enrollment with a one-time code, health). */
export const PUBLIC_ROUTE: AuthRouteOptions = { config: { auth: { kind: 'public' } } };

/** An enrolled booth with its bearer token. */
export const BOOTH_ROUTE: AuthRouteOptions = { config: { auth: { kind: 'booth' } } };

/** Signed-in staff holding at least one of `roles`. */
export function staffRoute(...roles: StaffRole[]): AuthRouteOptions {
  return { config: { auth: { kind: 'staff', roles } } };
}
