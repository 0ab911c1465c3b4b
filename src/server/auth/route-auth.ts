import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthedBooth } from '../ingest/auth.js';
import type { RouteAuth, StaffGuard } from './guard.js';
import { decorateAuthRequest } from './request-auth.js';

/** One registered route and who may call it (what the API hardening test enumerates). */
export interface RouteAuthEntry {
  method: string;
  url: string;
  auth: RouteAuth;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered so far with its `config.auth`, in registration order. */
    routeAuth: readonly RouteAuthEntry[];
  }
}

/**
 * Enforces each route's `config.auth` in an onRequest hook, i.e. before the body is read or parsed
 * and before the handler: `public` passes, `booth` needs a valid booth token (sets
 * `req.authBooth`), `staff` needs a valid staff token with one of the roles (sets `req.authStaff`).
 * A route registered without `config.auth`, or a staff route naming no role, makes registration
 * (and so app start-up) fail. Install before any route is registered.
 */
export function installRouteAuth(app: FastifyInstance, deps: { guard: StaffGuard; booth: (authorization: string | undefined) => Promise<AuthedBooth> }): void {
  const table: RouteAuthEntry[] = [];
  app.decorate('routeAuth', table);
  decorateAuthRequest(app);
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    const auth = route.config?.auth;
    if (!auth) throw new Error(`route ${methods.join(',')} ${route.url} declares no config.auth; every route must say who may call it (public, booth or staff roles)`);
    if (auth.kind === 'staff' && auth.roles.length === 0) throw new Error(`route ${methods.join(',')} ${route.url} is a staff route naming no role`);
    for (const method of methods) table.push({ method, url: route.url ?? route.path, auth });
  });
  app.addHook('onRequest', async (req: FastifyRequest) => {
    if (req.is404) return;
    const auth = req.routeOptions.config.auth;
    if (!auth) throw new Error(`route ${req.routeOptions.url} has no config.auth`);
    switch (auth.kind) {
      case 'public':
        return;
      case 'booth':
        req.authBooth = await deps.booth(req.headers.authorization);
        return;
      case 'staff':
        await deps.guard.staff(req, auth.roles);
        return;
      default: {
        const never: never = auth;
        throw new Error(`unknown route auth ${JSON.stringify(never)}`);
      }
    }
  });
}
